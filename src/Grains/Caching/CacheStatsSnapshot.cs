using PredictionCache.Grains.Cluster;

namespace PredictionCache.Grains.Caching;

/// <summary>The cache's figures at one moment, as <c>GET /cache/stats</c> shows them: totals over the cluster's active silos, and each one's own.</summary>
/// <param name="Size">Entries in memory.</param>
/// <param name="MaxSize">The most entries the silos hold in memory: each one's <c>Cache:MaxEntries</c>, summed.</param>
/// <param name="TtlSeconds">The configured TTL.</param>
/// <param name="Hits">Requests answered from the cache: <paramref name="HitsL1"/> plus <paramref name="HitsL2"/>.</param>
/// <param name="HitsL1">Hits answered by a grain in memory (level 1).</param>
/// <param name="HitsL2">Hits answered from storage (level 2): the grain was not in memory and came back from its row.</param>
/// <param name="Misses">Requests that started an inference.</param>
/// <param name="HitRatio">Hits over hits, misses and coalesced requests; 0 when there were none.</param>
/// <param name="MemoryMb">The process's managed heap, in MiB.</param>
/// <param name="Evictions">Entries evicted to hold the maximum.</param>
/// <param name="Expirations">Entries whose TTL ran out.</param>
/// <param name="Coalesced">Requests that joined an inference in flight.</param>
/// <param name="Inferences">Inferences finished.</param>
/// <param name="Inflight">Inferences running or queued.</param>
/// <param name="Activations">Grain activations in memory, of every type.</param>
/// <param name="StoredEntries">Entries in storage (level 2), counted there.</param>
/// <param name="MaxStoredEntries">The configured most entries storage keeps (<c>Storage:MaxEntries</c>).</param>
/// <param name="Nodes">Each active silo's own figures.</param>
public sealed record CacheStatsSnapshot(
    long Size,
    int MaxSize,
    int TtlSeconds,
    long Hits,
    long HitsL1,
    long HitsL2,
    long Misses,
    double HitRatio,
    double MemoryMb,
    long Evictions,
    long Expirations,
    long Coalesced,
    long Inferences,
    long Inflight,
    int Activations,
    long StoredEntries,
    long MaxStoredEntries,
    IReadOnlyList<NodeStats> Nodes)
{
    /// <summary>The tenant these figures are of (in memory: its share; activations: its entries); null for the whole cache.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Tenant { get; init; }
}

using Orleans.Concurrency;

namespace PredictionCache.Grains.Cluster;

/// <summary>
/// The cache's part on one silo (key: the silo's address, placed there by <see cref="Placement.SiloBoundPlacement"/>):
/// how the cluster-wide clear reaches that silo's directory, prediction grains and counters.
/// </summary>
[Alias("predictioncache.silo-cache")]
public interface ISiloCacheGrain : IGrainWithStringKey
{
    /// <summary>
    /// A clear that started at <paramref name="startedAt"/> begins on this silo: nothing is stored or comes back from
    /// storage until it ends, the counters restart, and every entry in memory is dropped. Returns how many were dropped.
    /// </summary>
    [Alias("begin-clear")]
    Task<int> BeginClearAsync(DateTimeOffset startedAt);

    /// <summary>The clear has ended (storage is cleared): this silo stores again.</summary>
    [Alias("end-clear")]
    Task EndClearAsync();

    /// <summary>This silo's own figures (it only reads counters: it runs beside a clear).</summary>
    [Alias("stats"), AlwaysInterleave]
    Task<NodeStats> GetStatsAsync();
}

/// <summary>The cluster-wide cache operations (one activation, key <see cref="Key"/>): clears run one at a time.</summary>
[Alias("predictioncache.cluster")]
public interface ICacheClusterGrain : IGrainWithStringKey
{
    /// <summary>The one key.</summary>
    const string Key = "cluster";

    /// <summary>Removes every entry from memory on every silo and from storage, and restarts the counters.</summary>
    [Alias("clear")]
    Task ClearAsync(CancellationToken cancellationToken = default);

    /// <summary>Each active silo's figures and the entries in storage, counted once (it runs beside a clear).</summary>
    [Alias("stats"), AlwaysInterleave]
    Task<ClusterStats> GetStatsAsync(CancellationToken cancellationToken = default);

    /// <summary>Every member membership knows (the dead among them until Orleans forgets them), with the figures of the active ones.</summary>
    [Alias("nodes"), AlwaysInterleave]
    Task<IReadOnlyList<ClusterNode>> GetNodesAsync(CancellationToken cancellationToken = default);
}

/// <summary>The cluster's figures: each active silo's own, and the entries in storage.</summary>
/// <param name="Nodes">Each active, reachable silo's figures, by address.</param>
/// <param name="StoredEntries">Rows of <c>cache_entries</c> (level 2), counted once.</param>
[GenerateSerializer, Immutable, Alias("predictioncache.cluster-stats")]
public sealed record ClusterStats([property: Id(0)] IReadOnlyList<NodeStats> Nodes, [property: Id(1)] long StoredEntries);

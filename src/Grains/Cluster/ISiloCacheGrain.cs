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
    /// A clear of <paramref name="tenant"/>'s entries (null: of every entry) that started at <paramref name="startedAt"/>
    /// begins on this silo: none of them is stored or comes back from storage until it ends, their counters restart, and
    /// each of them in memory is dropped. Returns how many were dropped.
    /// </summary>
    [Alias("begin-clear")]
    Task<int> BeginClearAsync(DateTimeOffset startedAt, string? tenant = null);

    /// <summary>The clear of <paramref name="tenant"/>'s entries (null: every entry) has ended (storage is cleared): this silo stores them again.</summary>
    [Alias("end-clear")]
    Task EndClearAsync(string? tenant = null);

    /// <summary>This silo's own figures, or <paramref name="tenant"/>'s on this silo (it only reads counters: it runs beside a clear).</summary>
    [Alias("stats"), AlwaysInterleave]
    Task<NodeStats> GetStatsAsync(string? tenant = null);
}

/// <summary>The cluster-wide cache operations (one activation, key <see cref="Key"/>): clears run one at a time.</summary>
[Alias("predictioncache.cluster")]
public interface ICacheClusterGrain : IGrainWithStringKey
{
    /// <summary>The one key.</summary>
    const string Key = "cluster";

    /// <summary>
    /// Removes every entry of <paramref name="tenant"/> (null: every entry) from memory on every silo and from storage,
    /// and restarts its counters.
    /// </summary>
    [Alias("clear")]
    Task ClearAsync(string? tenant = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Each active silo's figures and the entries in storage, counted once, of <paramref name="tenant"/> (null: of the
    /// whole cache). It runs beside a clear.
    /// </summary>
    [Alias("stats"), AlwaysInterleave]
    Task<ClusterStats> GetStatsAsync(string? tenant = null, CancellationToken cancellationToken = default);

    /// <summary>Every member membership knows (the dead among them until Orleans forgets them), with the figures of the active ones.</summary>
    [Alias("nodes"), AlwaysInterleave]
    Task<IReadOnlyList<ClusterNode>> GetNodesAsync(CancellationToken cancellationToken = default);
}

/// <summary>The cluster's figures: each active silo's own, and the entries in storage.</summary>
/// <param name="Nodes">Each active, reachable silo's figures, by address.</param>
/// <param name="StoredEntries">Rows of <c>cache_entries</c> (level 2), counted once.</param>
[GenerateSerializer, Immutable, Alias("predictioncache.cluster-stats")]
public sealed record ClusterStats([property: Id(0)] IReadOnlyList<NodeStats> Nodes, [property: Id(1)] long StoredEntries);

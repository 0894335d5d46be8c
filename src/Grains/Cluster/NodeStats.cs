namespace PredictionCache.Grains.Cluster;

/// <summary>One silo's own cache figures (<c>GET /cache/stats</c>' <c>nodes</c>, <c>GET /cluster</c>).</summary>
/// <param name="Address">The silo (<c>ip:port@generation</c>).</param>
/// <param name="Size">Entries in its memory.</param>
/// <param name="MaxSize">Its <c>Cache:MaxEntries</c>.</param>
/// <param name="Hits">Hits it answered: <paramref name="HitsL1"/> plus <paramref name="HitsL2"/>.</param>
/// <param name="HitsL1">Hits answered by an activation in its memory.</param>
/// <param name="HitsL2">Hits answered by an activation it brought back from storage.</param>
/// <param name="Misses">Requests whose inference it started.</param>
/// <param name="Evictions">Entries it evicted to hold its maximum.</param>
/// <param name="Expirations">Entries whose TTL ran out on it.</param>
/// <param name="Coalesced">Requests that joined an inference in flight on it.</param>
/// <param name="Inferences">Inferences it finished.</param>
/// <param name="Inflight">Inferences running or queued on it.</param>
/// <param name="Activations">The cache's grain activations on it.</param>
/// <param name="MemoryMb">Its process's managed heap, in MiB.</param>
[GenerateSerializer, Immutable, Alias("predictioncache.node-stats")]
public sealed record NodeStats(
    [property: Id(0)] string Address,
    [property: Id(1)] long Size,
    [property: Id(2)] int MaxSize,
    [property: Id(3)] long Hits,
    [property: Id(4)] long HitsL1,
    [property: Id(5)] long HitsL2,
    [property: Id(6)] long Misses,
    [property: Id(7)] long Evictions,
    [property: Id(8)] long Expirations,
    [property: Id(9)] long Coalesced,
    [property: Id(10)] long Inferences,
    [property: Id(11)] long Inflight,
    [property: Id(12)] int Activations,
    [property: Id(13)] double MemoryMb);

/// <summary>A member of the cluster as membership sees it, with its figures while it is active.</summary>
/// <param name="Address">The silo (<c>ip:port@generation</c>).</param>
/// <param name="Name">The silo's name.</param>
/// <param name="HostName">The machine it runs on.</param>
/// <param name="Status">Membership's status: <c>active</c>, <c>joining</c>, <c>shutting_down</c>, <c>dead</c>, ...</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="Stats">Its own figures; null unless active and reachable.</param>
[GenerateSerializer, Immutable, Alias("predictioncache.cluster-node")]
public sealed record ClusterNode(
    [property: Id(0)] string Address,
    [property: Id(1)] string Name,
    [property: Id(2)] string HostName,
    [property: Id(3)] string Status,
    [property: Id(4)] DateTimeOffset StartedAt,
    [property: Id(5)] NodeStats? Stats);

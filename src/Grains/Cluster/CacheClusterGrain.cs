using PredictionCache.Grains.Placement;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Storage;

namespace PredictionCache.Grains.Cluster;

/// <summary>
/// Cluster-wide cache operations. A clear begins on every active silo (each stops storing, restarts its counters and
/// drops its entries), then clears storage, then ends on every silo; its single activation runs one clear at a time.
/// </summary>
[GrainType("predictioncache.cluster")]
internal sealed class CacheClusterGrain(IGrainStateTable<CacheEntry> entries, TimeProvider time) : Grain, ICacheClusterGrain
{
    public async Task ClearAsync(CancellationToken cancellationToken = default)
    {
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(true, cancellationToken);
        var silos = hosts.Keys.Select(s => GrainFactory.GetGrain<ISiloCacheGrain>(SiloBoundPlacement.KeyOf(s, "cache"))).ToArray();
        var startedAt = time.GetUtcNow();
        var begun = silos.Select(s => s.BeginClearAsync(startedAt)).ToArray();
        try
        {
            await Task.WhenAll(begun);
            await entries.ClearAsync(cancellationToken);
        }
        finally
        {
            // Only where the clear began: ending it on a silo it never reached would leave that silo's clear count below zero.
            await Task.WhenAll(silos.Where((_, i) => begun[i].IsCompletedSuccessfully).Select(static s => s.EndClearAsync()));
        }
    }
}

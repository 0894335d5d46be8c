using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Placement;
using PredictionCache.Grains.Prediction;

namespace PredictionCache.Grains.Cluster;

/// <summary>The cache's part on one silo: the only writer of the silo's <see cref="SiloLocalClearState"/>.</summary>
[SiloBoundPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
[GrainType("predictioncache.silo-cache")]
internal sealed class SiloCacheGrain(SiloLocalClearState clearState, SiloLocalDirectory directory, CacheStatistics statistics)
    : Grain, ISiloCacheGrain
{
    public async Task<int> BeginClearAsync(DateTimeOffset startedAt)
    {
        clearState.Begin(startedAt);
        statistics.Reset();

        // The shards hand over their keys; their grains are dropped from here, outside any shard turn (a prediction
        // grain may be waiting on its shard).
        var keys = await Task.WhenAll(directory.Shards.Select(static s => s.ClearAsync()));
        await Task.WhenAll(keys.SelectMany(static k => k).Select(k => GrainFactory.GetGrain<IPredictionGrain>(k).DropAsync()));
        return keys.Sum(static k => k.Count);
    }

    public Task EndClearAsync()
    {
        clearState.End();
        return Task.CompletedTask;
    }
}

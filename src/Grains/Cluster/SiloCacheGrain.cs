using Microsoft.Extensions.Options;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Placement;
using PredictionCache.Grains.Prediction;

namespace PredictionCache.Grains.Cluster;

/// <summary>The cache's part on one silo: the only writer of the silo's <see cref="SiloLocalClearState"/>.</summary>
[SiloBoundPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
[GrainType("predictioncache.silo-cache")]
internal sealed class SiloCacheGrain(
    SiloLocalClearState clearState, SiloLocalDirectory directory, CacheStatistics statistics, IOptions<CacheOptions> options, ILocalSiloDetails silo)
    : Grain, ISiloCacheGrain
{
    private const int MaxSends = 8;

    public async Task<int> BeginClearAsync(DateTimeOffset startedAt)
    {
        clearState.Begin(startedAt);
        statistics.Reset();

        // The shards hand over their keys; their grains are dropped from here, outside any shard turn (a prediction
        // grain may be waiting on its shard).
        var keys = await Task.WhenAll(directory.Shards.Select(static s => s.ClearAsync()));
        await Task.WhenAll(keys.SelectMany(static k => k).Select(DropAsync));
        return keys.Sum(static k => k.Count);
    }

    public Task EndClearAsync()
    {
        clearState.End();
        return Task.CompletedTask;
    }

    public Task<NodeStats> GetStatsAsync() =>
        Task.FromResult(new NodeStats(
            silo.SiloAddress.ToParsableString(),
            statistics.Size,
            options.Value.MaxEntries,
            statistics.Hits,
            statistics.MemoryHits,
            statistics.StorageHits,
            statistics.Misses,
            statistics.Evictions,
            statistics.Expirations,
            statistics.Coalesced,
            statistics.Inferences,
            statistics.Inflight,
            (int)statistics.Activations,
            Math.Round(GC.GetTotalMemory(forceFullCollection: false) / (1024.0 * 1024.0), 1)));

    /// <summary>
    /// Drops the grain of <paramref name="key"/>, sending again a call Orleans rejected before it ran: a drop queued behind
    /// the turn in which the grain deactivates itself is forwarded to its next activation, and Orleans rejects a call
    /// forwarded more than twice (as the front door's calls, <c>PredictionService</c>).
    /// </summary>
    private async Task DropAsync(string key)
    {
        var grain = GrainFactory.GetGrain<IPredictionGrain>(key);
        for (var send = 1; ; send++)
        {
            try
            {
                await grain.DropAsync();
                return;
            }
            catch (OrleansMessageRejectionException) when (send < MaxSends)
            {
                // Rejected before it ran: send it again.
            }
        }
    }
}

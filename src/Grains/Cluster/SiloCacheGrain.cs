using Microsoft.Extensions.Options;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Placement;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tenants;

namespace PredictionCache.Grains.Cluster;

/// <summary>The cache's part on one silo: the only writer of the silo's <see cref="SiloLocalClearState"/>.</summary>
[SiloBoundPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
[GrainType("predictioncache.silo-cache")]
internal sealed class SiloCacheGrain(
    SiloLocalClearState clearState,
    SiloLocalDirectory directory,
    CacheStatistics statistics,
    SiloLocalTenants tenants,
    IOptions<CacheOptions> options,
    ILocalSiloDetails silo)
    : Grain, ISiloCacheGrain
{
    private const int MaxSends = 8;

    public async Task<int> BeginClearAsync(DateTimeOffset startedAt, string? tenant = null)
    {
        clearState.Begin(startedAt, tenant);
        if (string.IsNullOrEmpty(tenant))
        {
            statistics.Reset();
            tenants.ResetAll();
        }
        else
        {
            tenants.Of(tenant)?.Statistics.Reset();
        }

        // The shards hand over their keys; their grains are dropped from here, outside any shard turn (a prediction
        // grain may be waiting on its shard).
        var keys = await Task.WhenAll(directory.Shards.Select(s => s.ClearAsync(tenant)));
        await Task.WhenAll(keys.SelectMany(static k => k).Select(DropAsync));
        return keys.Sum(static k => k.Count);
    }

    public Task EndClearAsync(string? tenant = null)
    {
        clearState.End(tenant);
        return Task.CompletedTask;
    }

    public Task<NodeStats> GetStatsAsync(string? tenant = null)
    {
        // A tenant's figures are its own counters; activations and memory are the silo's, not a tenant's.
        var owner = string.IsNullOrEmpty(tenant) ? null : tenants.Of(tenant);
        var counters = owner?.Statistics ?? statistics;
        return Task.FromResult(new NodeStats(
            silo.SiloAddress.ToParsableString(),
            counters.Size,
            owner?.MaxEntries ?? options.Value.MaxEntries,
            counters.Hits,
            counters.MemoryHits,
            counters.StorageHits,
            counters.Misses,
            counters.Evictions,
            counters.Expirations,
            counters.Coalesced,
            counters.Inferences,
            counters.Inflight,
            owner is null ? (int)statistics.Activations : (int)counters.Size,
            owner is null ? Math.Round(GC.GetTotalMemory(forceFullCollection: false) / (1024.0 * 1024.0), 1) : 0));
    }

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

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
    /// <summary>How long a silo's figures are waited for: a silo that died but is still listed must not hold the answer.</summary>
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(5);

    public async Task ClearAsync(string? tenant = null, CancellationToken cancellationToken = default)
    {
        tenant = string.IsNullOrEmpty(tenant) ? null : tenant;
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(true, cancellationToken);
        var silos = hosts.Keys.Select(SiloCacheOf).ToArray();
        var startedAt = time.GetUtcNow();
        var begun = silos.Select(s => s.BeginClearAsync(startedAt, tenant)).ToArray();
        try
        {
            await Task.WhenAll(begun);
            await (tenant is null ? entries.ClearAsync(cancellationToken) : entries.ClearTenantAsync(tenant, cancellationToken));
        }
        finally
        {
            // Only where the clear began: ending it on a silo it never reached would leave that silo's clear count below zero.
            await Task.WhenAll(silos.Where((_, i) => begun[i].IsCompletedSuccessfully).Select(s => s.EndClearAsync(tenant)));
        }
    }

    public async Task<ClusterStats> GetStatsAsync(string? tenant = null, CancellationToken cancellationToken = default)
    {
        tenant = string.IsNullOrEmpty(tenant) ? null : tenant;
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(true, cancellationToken);
        var stats = await Task.WhenAll(hosts.Keys.Select(silo => StatsOfAsync(silo, tenant)));
        var stored = tenant is null ? await entries.CountAsync(cancellationToken) : await entries.CountTenantAsync(tenant, cancellationToken);
        return new ClusterStats(stats.OfType<NodeStats>().OrderBy(static n => n.Address, StringComparer.Ordinal).ToArray(), stored);
    }

    public async Task<IReadOnlyList<ClusterNode>> GetNodesAsync(CancellationToken cancellationToken = default)
    {
        var members = await GrainFactory.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false, cancellationToken);
        var stats = await Task.WhenAll(members.Select(m => m.Status == SiloStatus.Active ? StatsOfAsync(m.SiloAddress, tenant: null) : Task.FromResult<NodeStats?>(null)));
        return members
            .Select((m, i) => new ClusterNode(
                m.SiloAddress.ToParsableString(),
                m.SiloName ?? string.Empty,
                m.HostName ?? string.Empty,
                StatusName(m.Status),
                new DateTimeOffset(DateTime.SpecifyKind(m.StartTime, DateTimeKind.Utc)),
                stats[i]))
            .OrderBy(static n => n.Address, StringComparer.Ordinal)
            .ToArray();
    }

    private ISiloCacheGrain SiloCacheOf(SiloAddress silo) => GrainFactory.GetGrain<ISiloCacheGrain>(SiloBoundPlacement.KeyOf(silo, "cache"));

    /// <summary>
    /// A silo's figures; null when it cannot answer (it died since membership listed it, or is stopping), or when its grain
    /// was placed elsewhere because the silo is gone (the figures would be another silo's, counted twice).
    /// </summary>
    private async Task<NodeStats?> StatsOfAsync(SiloAddress silo, string? tenant)
    {
        try
        {
            var stats = await SiloCacheOf(silo).GetStatsAsync(tenant).WaitAsync(StatsTimeout, time);
            return stats.Address == silo.ToParsableString() ? stats : null;
        }
        catch (Exception ex) when (ex is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
        {
            return null;
        }
    }

    private static string StatusName(SiloStatus status) => status switch
    {
        SiloStatus.ShuttingDown => "shutting_down",
        SiloStatus.Stopping => "stopping",
        _ => status.ToString().ToLowerInvariant(),
    };
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Caching;

namespace PredictionCache.Grains.Tenants;

/// <summary>
/// This silo's tenants: each one's limits and counters, made on the tenant's first request here. Per silo by design, as
/// <see cref="CacheStatistics"/> is: a tenant's cluster figures are the sum over silos. No tenant (the empty name) has
/// no entry: it is bound by the cache's own limits and counted in the silo's figures only.
/// </summary>
internal sealed class SiloLocalTenants(IOptions<TenantOptions> options, IOptions<CacheOptions> cache)
{
    private readonly ConcurrentDictionary<string, SiloLocalTenant> _tenants = new(StringComparer.Ordinal);
    private readonly Func<string, SiloLocalTenant> _create = name =>
    {
        var (maxInflight, maxEntries) = options.Value.LimitsOf(name);
        return new SiloLocalTenant(name, maxInflight, maxEntries == 0 ? cache.Value.MaxEntries : Math.Min(maxEntries, cache.Value.MaxEntries));
    };

    /// <summary>The tenant named <paramref name="tenant"/>; null for no tenant.</summary>
    public SiloLocalTenant? Of(string tenant) => tenant.Length == 0 ? null : _tenants.GetOrAdd(tenant, _create);

    /// <summary>The entries <paramref name="tenant"/> may hold on this silo (all of <c>Cache:MaxEntries</c> for no tenant).</summary>
    public int MaxEntriesOf(string tenant) => Of(tenant)?.MaxEntries ?? cache.Value.MaxEntries;

    /// <summary>Zeroes the request counters of every tenant (a clear of the whole cache).</summary>
    public void ResetAll()
    {
        foreach (var tenant in _tenants.Values)
        {
            tenant.Statistics.Reset();
        }
    }
}

/// <summary>One tenant on this silo: its limits and its own counters (the same figures as the silo's).</summary>
internal sealed class SiloLocalTenant(string name, int maxInflight, int maxEntries)
{
    private long _inflight;

    public string Name { get; } = name;

    /// <summary>Its inferences in flight allowed on this silo.</summary>
    public int MaxInflight { get; } = maxInflight;

    /// <summary>Its entries in memory allowed on this silo (never above <c>Cache:MaxEntries</c>).</summary>
    public int MaxEntries { get; } = maxEntries;

    /// <summary>Its counters; <see cref="CacheStatistics.Inflight"/> is its inferences in flight.</summary>
    public CacheStatistics Statistics { get; } = new();

    /// <summary>Takes a slot for one inference; false when the tenant has <see cref="MaxInflight"/> in flight already.</summary>
    public bool TryStartInference()
    {
        if (Interlocked.Increment(ref _inflight) > MaxInflight)
        {
            Interlocked.Decrement(ref _inflight);
            return false;
        }

        Statistics.InferenceStarted();
        return true;
    }

    /// <summary>An inference of <see cref="TryStartInference"/> finished (completed or failed).</summary>
    public void InferenceFinished()
    {
        Interlocked.Decrement(ref _inflight);
        Statistics.InferenceFinished();
    }

    /// <summary>An inference of <see cref="TryStartInference"/> never ran (its job could not be made, the model refused it).</summary>
    public void InferenceWithdrawn()
    {
        Interlocked.Decrement(ref _inflight);
        Statistics.InferenceWithdrawn();
    }
}

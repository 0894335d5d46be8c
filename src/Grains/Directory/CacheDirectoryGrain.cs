using System.Globalization;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Placement;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Storage;
using PredictionCache.Grains.Tenants;

namespace PredictionCache.Grains.Directory;

/// <summary>
/// A directory shard of one silo: LRU order over its keys, fed by registrations (misses that stored an entry) and by the
/// touches hits buffer for it. Before it picks victims it drains the buffer, so eviction sees the latest hits.
/// Every key it sees used goes to <see cref="SiloLocalAccessTimes"/>, for storage's batched <c>last_access</c> writes.
/// Eviction only deactivates: the entry stays in storage, and the next request brings it back without inference.
/// Tenants: a tenant beyond its share (<c>Tenants:MaxEntries</c>, split over the shards) evicts its own coldest keys;
/// a full shard evicts the coldest key of the tenant furthest over its share, so one tenant's flood evicts its own
/// entries first. With no tenants this is the plain LRU order.
/// </summary>
[SiloBoundPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
[GrainType("predictioncache.directory")]
internal sealed class CacheDirectoryGrain(
    SiloLocalDirectory directory, CacheStatistics statistics, SiloLocalTenants tenants, SiloLocalAccessTimes accessTimes)
    : Grain, ICacheDirectoryGrain
{
    private readonly LruOrder _lru = new();
    private TouchBuffer _touches = null!;
    private Action<string> _touch = null!;
    private int _shard;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        statistics.Activated();
        _shard = int.Parse(SiloBoundPlacement.NameOf(this.GetPrimaryKeyString()), CultureInfo.InvariantCulture);
        _touches = directory.BufferOf(_shard);
        _touch = key =>
        {
            _lru.Touch(key);
            accessTimes.Record(key);
        };
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        statistics.Deactivated();
        return Task.CompletedTask;
    }

    public Task RegisterAsync(string key, string tenant = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        _touches.Drain(_touch);
        accessTimes.Record(key);
        if (_lru.AddOrTouch(key, tenant))
        {
            statistics.SizeChanged(1);
            tenants.Of(tenant)?.Statistics.SizeChanged(1);
        }

        // The tenant's own share first, then the shard's capacity, taken from whoever is furthest over its share.
        while (_lru.CountOf(tenant) > ShareOf(tenant) && _lru.RemoveLeastRecent(tenant) is { } own)
        {
            Evict(own, tenant);
        }

        while (_lru.Count > directory.CapacityPerShard && MostOverShare() is { } over && _lru.RemoveLeastRecent(over) is { } victim)
        {
            Evict(victim, over);
        }

        directory.PublishCount(_shard, _lru.Count);
        return Task.CompletedTask;
    }

    public Task UnregisterAsync(string key, string tenant = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (_lru.Remove(key))
        {
            statistics.SizeChanged(-1);
            tenants.Of(tenant)?.Statistics.SizeChanged(-1);
            directory.PublishCount(_shard, _lru.Count);
        }

        return Task.CompletedTask;
    }

    public Task FlushTouchesAsync()
    {
        _touches.Drain(_touch);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ClearAsync(string? tenant = null)
    {
        IReadOnlyList<string> keys;
        if (string.IsNullOrEmpty(tenant))
        {
            _touches.Drain(static _ => { });
            foreach (var held in _lru.Tenants)
            {
                tenants.Of(held)?.Statistics.SizeChanged(-_lru.CountOf(held));
            }

            keys = _lru.Keys.ToArray();
            _lru.Clear();
        }
        else
        {
            // Other tenants' touches stay: they still order what is left.
            _touches.Drain(_touch);
            keys = _lru.Clear(tenant);
            tenants.Of(tenant)?.Statistics.SizeChanged(-keys.Count);
        }

        statistics.SizeChanged(-keys.Count);
        directory.PublishCount(_shard, _lru.Count);
        return Task.FromResult(keys);
    }

    /// <summary>The keys <paramref name="tenant"/> may hold in this shard: its share split over the shards as the capacity is.</summary>
    private int ShareOf(string tenant) =>
        tenant.Length == 0 ? int.MaxValue : (int)Math.Ceiling(tenants.MaxEntriesOf(tenant) / (double)directory.Count);

    /// <summary>The tenant holding the most keys for its share (a share of all: the largest); the shard's tenants are few.</summary>
    private string? MostOverShare()
    {
        string? most = null;
        var highest = double.MinValue;
        foreach (var tenant in _lru.Tenants)
        {
            var share = tenant.Length == 0 ? directory.CapacityPerShard : ShareOf(tenant);
            var load = _lru.CountOf(tenant) / (double)share;
            if (load > highest)
            {
                (most, highest) = (tenant, load);
            }
        }

        return most;
    }

    private void Evict(string key, string tenant)
    {
        statistics.SizeChanged(-1);
        statistics.Evicted();
        if (tenants.Of(tenant) is { } owner)
        {
            owner.Statistics.SizeChanged(-1);
            owner.Statistics.Evicted();
        }

        // One-way: the call returns at once and the victim's activation owns its deactivation; a directory turn never
        // waits on a prediction grain (one may be waiting on this shard).
        _ = GrainFactory.GetGrain<IPredictionGrain>(key).EvictAsync();
    }

    public Task<IReadOnlyList<string>> GetKeysAsync()
    {
        _touches.Drain(_touch);
        return Task.FromResult<IReadOnlyList<string>>(_lru.InOrder().ToArray());
    }
}

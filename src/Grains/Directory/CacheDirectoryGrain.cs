using System.Globalization;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Placement;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Storage;

namespace PredictionCache.Grains.Directory;

/// <summary>
/// A directory shard of one silo: LRU order over its keys, fed by registrations (misses that stored an entry) and by the
/// touches hits buffer for it. Before it picks victims it drains the buffer, so eviction sees the latest hits.
/// Every key it sees used goes to <see cref="SiloLocalAccessTimes"/>, for storage's batched <c>last_access</c> writes.
/// Eviction only deactivates: the entry stays in storage, and the next request brings it back without inference.
/// </summary>
[SiloBoundPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
[GrainType("predictioncache.directory")]
internal sealed class CacheDirectoryGrain(SiloLocalDirectory directory, CacheStatistics statistics, SiloLocalAccessTimes accessTimes)
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

    public Task RegisterAsync(string key, CancellationToken cancellationToken = default)
    {
        _touches.Drain(_touch);
        accessTimes.Record(key);
        if (_lru.AddOrTouch(key))
        {
            statistics.SizeChanged(1);
        }

        var evicted = 0;
        while (_lru.Count > directory.CapacityPerShard && _lru.RemoveLeastRecent() is { } victim)
        {
            statistics.SizeChanged(-1);
            statistics.Evicted();
            evicted++;

            // One-way: the call returns at once and the victim's activation owns its deactivation; a directory turn
            // never waits on a prediction grain (one may be waiting on this shard).
            _ = GrainFactory.GetGrain<IPredictionGrain>(victim).EvictAsync();
        }

        directory.PublishCount(_shard, _lru.Count);
        return Task.CompletedTask;
    }

    public Task UnregisterAsync(string key, CancellationToken cancellationToken = default)
    {
        if (_lru.Remove(key))
        {
            statistics.SizeChanged(-1);
            directory.PublishCount(_shard, _lru.Count);
        }

        return Task.CompletedTask;
    }

    public Task FlushTouchesAsync()
    {
        _touches.Drain(_touch);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ClearAsync()
    {
        _touches.Drain(static _ => { });
        var keys = _lru.Keys.ToArray();
        _lru.Clear();
        statistics.SizeChanged(-keys.Length);
        directory.PublishCount(_shard, 0);
        return Task.FromResult<IReadOnlyList<string>>(keys);
    }

    public Task<IReadOnlyList<string>> GetKeysAsync()
    {
        _touches.Drain(_touch);
        return Task.FromResult<IReadOnlyList<string>>(_lru.InOrder().ToArray());
    }
}

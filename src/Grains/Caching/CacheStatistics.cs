namespace PredictionCache.Grains.Caching;

/// <summary>
/// This silo's cache counters: per silo by design (a cluster's figures are the sum over its silos). Hits use striped
/// counters (the hit path runs on every core); the rest change once per miss or eviction. Nothing coordinates
/// through it: it only counts.
/// </summary>
internal sealed class CacheStatistics
{
    private readonly StripedCounter _hits = new();
    private long _storageHits;
    private long _running;
    private long _misses;
    private long _coalesced;
    private long _inferences;
    private long _inflight;
    private long _evictions;
    private long _expirations;
    private long _size;
    private long _activations;

    /// <summary>Requests answered from the cache.</summary>
    public long Hits => _hits.Value + StorageHits;

    /// <summary>Hits answered by an activation that was in memory (level 1).</summary>
    public long MemoryHits => _hits.Value;

    /// <summary>Hits answered from storage (level 2): the key's grain was not in memory and came back from its stored entry.</summary>
    public long StorageHits => Interlocked.Read(ref _storageHits);

    /// <summary>Requests that started an inference.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Requests that joined an inference already in flight.</summary>
    public long Coalesced => Interlocked.Read(ref _coalesced);

    /// <summary>Inferences finished (completed or failed).</summary>
    public long Inferences => Interlocked.Read(ref _inferences);

    /// <summary>Inferences running or queued now.</summary>
    public long Inflight => Interlocked.Read(ref _inflight);

    /// <summary>Entries removed to hold the size limit.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Entries removed because their TTL ran out.</summary>
    public long Expirations => Interlocked.Read(ref _expirations);

    /// <summary>
    /// Activations of the cache's own grains on this silo (prediction grains and directory shards), counted as they
    /// activate and deactivate: nothing is listed to count them, and Orleans' own and the dashboard's grains are left out.
    /// </summary>
    public long Activations => Interlocked.Read(ref _activations);

    internal void Activated() => Interlocked.Increment(ref _activations);

    internal void Deactivated() => Interlocked.Decrement(ref _activations);

    /// <summary>Entries held in memory (registered with the directory).</summary>
    public long Size => Interlocked.Read(ref _size);

    internal void Hit() => _hits.Increment();

    internal void StorageHit() => Interlocked.Increment(ref _storageHits);

    internal void Miss() => Interlocked.Increment(ref _misses);

    internal void Coalesce() => Interlocked.Increment(ref _coalesced);

    /// <summary>Inferences holding a slot of their model's scheduler: running, or timed out and not yet ended.</summary>
    public long Running => Interlocked.Read(ref _running);

    /// <summary>Inferences admitted and waiting for a slot, over every model's scheduler.</summary>
    public long Queued => Math.Max(0, Inflight - Running);

    internal void SlotTaken() => Interlocked.Increment(ref _running);

    internal void SlotReleased() => Interlocked.Decrement(ref _running);

    internal void InferenceStarted() => Interlocked.Increment(ref _inflight);

    internal void InferenceFinished()
    {
        Interlocked.Decrement(ref _inflight);
        Interlocked.Increment(ref _inferences);
    }

    internal void InferenceWithdrawn() => Interlocked.Decrement(ref _inflight);

    internal void Evicted() => Interlocked.Increment(ref _evictions);

    internal void Expired() => Interlocked.Increment(ref _expirations);

    internal void SizeChanged(long delta) => Interlocked.Add(ref _size, delta);

    /// <summary>Zeroes the request counters (in-flight and size are live values and stay).</summary>
    internal void Reset()
    {
        _hits.Reset();
        Interlocked.Exchange(ref _storageHits, 0);
        Interlocked.Exchange(ref _misses, 0);
        Interlocked.Exchange(ref _coalesced, 0);
        Interlocked.Exchange(ref _inferences, 0);
        Interlocked.Exchange(ref _evictions, 0);
        Interlocked.Exchange(ref _expirations, 0);
    }
}

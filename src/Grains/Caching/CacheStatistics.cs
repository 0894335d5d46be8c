namespace PredictionCache.Grains.Caching;

/// <summary>
/// The cache's counters, shared by every grain of the silo. Hits use striped counters (the hit path runs on every
/// core); the rest change once per miss or eviction. <see cref="Generation"/> moves when a clear starts and again
/// when it ends, so an inference that started before or during a clear does not store its result after it; while
/// <see cref="ClearRunning"/> nothing is stored or published from storage at all.
/// </summary>
public sealed class CacheStatistics
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
    private long _generation;
    private long _clearsRunning;
    private long _lastClearStartedTicks = long.MinValue;

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

    /// <summary>Entries held in memory (registered with the directory).</summary>
    public long Size => Interlocked.Read(ref _size);

    /// <summary>The clear generation.</summary>
    public long Generation => Interlocked.Read(ref _generation);

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

    /// <summary>True while a clear is running: its deletes may not have reached what is stored or read now.</summary>
    public bool ClearRunning => Interlocked.Read(ref _clearsRunning) > 0;

    /// <summary>
    /// True when an entry created at <paramref name="createdAt"/> is older than the last clear, so a row of it read
    /// from storage is one the clear was deleting when the read overtook it.
    /// </summary>
    internal bool PredatesLastClear(DateTimeOffset createdAt) => createdAt.UtcTicks < Interlocked.Read(ref _lastClearStartedTicks);

    /// <summary>A clear starts at <paramref name="now"/>: a new generation, counters zeroed.</summary>
    internal void BeginClear(DateTimeOffset now)
    {
        Interlocked.Increment(ref _clearsRunning);
        Interlocked.Exchange(ref _lastClearStartedTicks, now.UtcTicks);
        Reset();
    }

    /// <summary>The clear is done: another generation, so an inference started during it stores nothing either.</summary>
    internal void EndClear()
    {
        // Generation first: whoever sees the clear finished sees the new generation too.
        Interlocked.Increment(ref _generation);
        Interlocked.Decrement(ref _clearsRunning);
    }

    /// <summary>Starts a new generation and zeroes the request counters (in-flight and size are live values and stay).</summary>
    internal void Reset()
    {
        Interlocked.Increment(ref _generation);
        _hits.Reset();
        Interlocked.Exchange(ref _storageHits, 0);
        Interlocked.Exchange(ref _misses, 0);
        Interlocked.Exchange(ref _coalesced, 0);
        Interlocked.Exchange(ref _inferences, 0);
        Interlocked.Exchange(ref _evictions, 0);
        Interlocked.Exchange(ref _expirations, 0);
    }
}

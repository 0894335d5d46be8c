namespace PredictionCache.Grains.Caching;

/// <summary>
/// This silo's copy of the cluster's clear state. The cluster-wide truth is <see cref="Cluster.CacheClusterGrain"/>'s:
/// a clear begins on every silo (through each silo's <see cref="Cluster.SiloCacheGrain"/>, the only writer here) before
/// storage is cleared, and ends on every silo after. Prediction grains on this silo read it: while a clear runs nothing
/// is stored or published from storage, an inference that started before or during a clear stores nothing
/// (<see cref="Generation"/> moves at both ends), and a row created before the last clear never comes back.
/// </summary>
internal sealed class SiloLocalClearState
{
    private long _generation;
    private long _running;
    private long _lastClearStartedTicks = long.MinValue;

    /// <summary>The clear generation: an inference remembers it when it starts and stores only if it has not moved.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>True while a clear is running: its deletes may not have reached what is stored or read now.</summary>
    public bool Running => Interlocked.Read(ref _running) > 0;

    /// <summary>True when an entry created at <paramref name="createdAt"/> is older than the last clear.</summary>
    public bool PredatesLastClear(DateTimeOffset createdAt) => createdAt.UtcTicks < Interlocked.Read(ref _lastClearStartedTicks);

    /// <summary>A clear that started at <paramref name="startedAt"/> begins on this silo.</summary>
    public void Begin(DateTimeOffset startedAt)
    {
        Interlocked.Increment(ref _running);
        InterlockedMax(ref _lastClearStartedTicks, startedAt.UtcTicks);
        Interlocked.Increment(ref _generation);
    }

    /// <summary>The clear has ended on this silo.</summary>
    public void End()
    {
        // Generation first: whoever sees the clear finished sees the new generation too.
        Interlocked.Increment(ref _generation);
        Interlocked.Decrement(ref _running);
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

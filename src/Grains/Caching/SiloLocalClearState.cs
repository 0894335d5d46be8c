using System.Collections.Concurrent;

namespace PredictionCache.Grains.Caching;

/// <summary>
/// This silo's copy of the cluster's clear state. The cluster-wide truth is <see cref="Cluster.CacheClusterGrain"/>'s:
/// a clear begins on every silo (through each silo's <see cref="Cluster.SiloCacheGrain"/>, the only writer here) before
/// storage is cleared, and ends on every silo after. A clear is of the whole cache or of one tenant's entries; each has
/// its own scope, and what an entry of a tenant asks is answered by the whole cache's scope and its tenant's together.
/// Prediction grains on this silo read it: while a clear of their scope runs nothing is stored or published from
/// storage, an inference that started before or during one stores nothing (a clear's scope records the
/// <see cref="Sequence"/> at both its ends), and a row created before the scope's last clear never comes back.
/// </summary>
internal sealed class SiloLocalClearState
{
    private readonly Scope _all = new();
    private readonly ConcurrentDictionary<string, Scope> _tenants = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>Moves at both ends of every clear: a grain or an inference remembers it and asks <see cref="ChangedSince"/> later.</summary>
    public long Sequence => Interlocked.Read(ref _sequence);

    /// <summary>True while a clear of <paramref name="tenant"/>'s entries (or of the whole cache) runs: its deletes may not have reached what is stored or read now.</summary>
    public bool IsRunning(string tenant) => _all.IsRunning || (TenantScope(tenant)?.IsRunning ?? false);

    /// <summary>True when a clear of <paramref name="tenant"/>'s entries (or of the whole cache) began or ended since <paramref name="sequence"/>.</summary>
    public bool ChangedSince(long sequence, string tenant) =>
        _all.LastChange > sequence || (TenantScope(tenant)?.LastChange ?? long.MinValue) > sequence;

    /// <summary>True when an entry of <paramref name="tenant"/> created at <paramref name="createdAt"/> is older than the last clear that covered it.</summary>
    public bool PredatesLastClear(DateTimeOffset createdAt, string tenant) =>
        createdAt.UtcTicks < Math.Max(_all.LastStartedTicks, TenantScope(tenant)?.LastStartedTicks ?? long.MinValue);

    /// <summary>A clear of <paramref name="tenant"/>'s entries (null: the whole cache) that started at <paramref name="startedAt"/> begins on this silo.</summary>
    public void Begin(DateTimeOffset startedAt, string? tenant = null)
    {
        var scope = ScopeOf(tenant);
        scope.Begin(startedAt);

        // After the scope is running: whoever reads the new sequence sees the clear running, until its end moves it again.
        scope.Changed(Interlocked.Increment(ref _sequence));
    }

    /// <summary>The clear of <paramref name="tenant"/>'s entries (null: the whole cache) has ended on this silo.</summary>
    public void End(string? tenant = null)
    {
        // The change first: whoever sees the clear finished sees that it happened.
        var scope = ScopeOf(tenant);
        scope.Changed(Interlocked.Increment(ref _sequence));
        scope.End();
    }

    private Scope ScopeOf(string? tenant) => string.IsNullOrEmpty(tenant) ? _all : _tenants.GetOrAdd(tenant, static _ => new Scope());

    private Scope? TenantScope(string tenant) => tenant.Length > 0 && _tenants.TryGetValue(tenant, out var scope) ? scope : null;

    /// <summary>The clears of one scope: the whole cache, or one tenant's entries.</summary>
    private sealed class Scope
    {
        private long _running;
        private long _lastStartedTicks = long.MinValue;
        private long _lastChange = long.MinValue;

        public bool IsRunning => Interlocked.Read(ref _running) > 0;

        public long LastStartedTicks => Interlocked.Read(ref _lastStartedTicks);

        public long LastChange => Interlocked.Read(ref _lastChange);

        public void Begin(DateTimeOffset startedAt)
        {
            Interlocked.Increment(ref _running);
            InterlockedMax(ref _lastStartedTicks, startedAt.UtcTicks);
        }

        public void Changed(long sequence) => InterlockedMax(ref _lastChange, sequence);

        public void End() => Interlocked.Decrement(ref _running);
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

using Orleans.Storage;
using PredictionCache.Grains.Storage;
using System.Collections.Concurrent;
using System.Globalization;

namespace PredictionCache.Silo.Storage;

/// <summary>
/// Grain storage in process memory, as Orleans' <c>MemoryTableGrainStorage</c>: for tests and throwaway runs.
/// It holds state objects by reference, so states must be immutable records or be replaced, not mutated.
/// Records live in one dictionary per (grain type, state name), keyed by the grain key alone, so a record
/// costs one dictionary node, its ETag and its last access time.
/// </summary>
internal sealed class MemoryTableGrainStorage(TimeProvider time) : IGrainStorage, IGrainStateTableProvider
{
    private readonly ConcurrentDictionary<(string GrainType, string StateName), ConcurrentDictionary<string, Record>> _tables = new();
    private long _version;

    public MemoryTableGrainStorage()
        : this(TimeProvider.System)
    {
    }

    /// <summary>How many records are stored.</summary>
    public int Count => _tables.Values.Sum(t => t.Count);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Table(grainId, stateName).TryGetValue(grainId.Key.ToString(), out var record))
        {
            grainState.State = (T)record.State!;
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var table = Table(grainId, stateName);
        var key = grainId.Key.ToString();

        // Versions come from one counter, so an ETag is never reused, even after a clear and a new write.
        var next = new Record(grainState.State, Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture), time.GetUtcNow().UtcTicks);
        if (grainState.ETag is null)
        {
            if (!table.TryAdd(key, next))
            {
                throw Inconsistent(table.TryGetValue(key, out var stored) ? stored.ETag : null, null);
            }
        }
        else if (!table.TryGetValue(key, out var stored) || stored.ETag != grainState.ETag || !table.TryUpdate(key, next, stored))
        {
            throw Inconsistent(table.TryGetValue(key, out var now) ? now.ETag : null, grainState.ETag);
        }

        grainState.ETag = next.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var table = Table(grainId, stateName);
        if (table.TryGetValue(grainId.Key.ToString(), out var stored))
        {
            if (stored.ETag != grainState.ETag || !table.TryRemove(new KeyValuePair<string, Record>(grainId.Key.ToString(), stored)))
            {
                throw Inconsistent(stored.ETag, grainState.ETag);
            }
        }
        else if (grainState.ETag is not null)
        {
            throw Inconsistent(null, grainState.ETag);
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    public IGrainStateTable<TState> GetTable<TState>(string grainType, string stateName, GrainStateTable<TState> table) =>
        new MemoryStateTable<TState>(Table(grainType, stateName), table);

    private ConcurrentDictionary<string, Record> Table(GrainId grainId, string stateName) => Table(grainId.Type.ToString(), stateName);

    private ConcurrentDictionary<string, Record> Table(string grainType, string stateName) =>
        _tables.GetOrAdd((grainType, stateName), static _ => new ConcurrentDictionary<string, Record>(StringComparer.Ordinal));

    /// <summary>A stored state, its version and last access; a struct, so the dictionary node holds it inline.</summary>
    private readonly record struct Record(object? State, string ETag, long LastAccessTicks);

    /// <summary>Upkeep of one in-memory table, with the same meaning as the SQL providers'.</summary>
    private sealed class MemoryStateTable<TState>(ConcurrentDictionary<string, Record> table, GrainStateTable<TState> mapping) : IGrainStateTable<TState>
    {
        public Task<long> CountAsync(CancellationToken cancellationToken = default) => Task.FromResult((long)table.Count);

        public Task RecordAccessAsync(IReadOnlyCollection<string> keys, DateTimeOffset accessedAt, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(keys);
            foreach (var key in keys)
            {
                // Lost to a concurrent write or clear, the write's own time (or nothing) is as good.
                if (table.TryGetValue(key, out var record))
                {
                    table.TryUpdate(key, record with { LastAccessTicks = accessedAt.UtcTicks }, record);
                }
            }

            return Task.CompletedTask;
        }

        public Task<long> TrimAsync(long maxRecords, CancellationToken cancellationToken = default)
        {
            var excess = table.Count - maxRecords;
            if (excess <= 0)
            {
                return Task.FromResult(0L);
            }

            // The dictionary's own ToArray is one consistent snapshot; OrderBy would buffer it with Count and CopyTo.
            var victims = table.ToArray().OrderBy(r => r.Value.LastAccessTicks).Take((int)Math.Min(excess, int.MaxValue));
            return Task.FromResult(Remove(victims));
        }

        public Task<long> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
            Task.FromResult(Remove(table.Where(r => mapping.ExpiresAt((TState)r.Value.State!) <= now)));

        public Task<long> ClearAsync(CancellationToken cancellationToken = default) => Task.FromResult(Remove(table));

        public Task<long> CountTenantAsync(string tenant, CancellationToken cancellationToken = default) =>
            Task.FromResult((long)OfTenant(tenant).Count());

        public Task<long> ClearTenantAsync(string tenant, CancellationToken cancellationToken = default) =>
            Task.FromResult(Remove(OfTenant(tenant)));

        // Checked here, not when enumerated: a table without tenants throws at the call, as the SQL providers do.
        private IEnumerable<KeyValuePair<string, Record>> OfTenant(string tenant)
        {
            ArgumentNullException.ThrowIfNull(tenant);
            if (mapping.TenantColumn is null)
            {
                throw mapping.NoTenantColumn();
            }

            return table.Where(r => string.Equals(mapping.TenantOf((TState)r.Value.State!), tenant, StringComparison.Ordinal));
        }

        // Enumerated, never copied: ToList on the live dictionary reads its Count and then copies, so a concurrent
        // removal between the two left default entries (null keys) in the copy and TryRemove threw.
        private long Remove(IEnumerable<KeyValuePair<string, Record>> records)
        {
            long removed = 0;
            foreach (var record in records)
            {
                if (table.TryRemove(record))
                {
                    removed++;
                }
            }

            return removed;
        }
    }

    private static InconsistentStateException Inconsistent(string? storedEtag, string? currentEtag) =>
        new($"Version conflict: the stored ETag is '{storedEtag ?? "(none)"}' but the write carried '{currentEtag ?? "(none)"}'.", storedEtag, currentEtag);
}

using System.Collections.Concurrent;
using System.Globalization;

namespace PredictionCache.Silo.Storage;

/// <summary>
/// Grain storage in process memory, as Orleans' <c>MemoryGrainStorage</c>: for tests and throwaway runs.
/// It holds state objects by reference, so states must be immutable records or be replaced, not mutated.
/// </summary>
internal sealed class MemoryGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<StorageKey, Entry> _records = new();
    private long _version;

    /// <summary>How many records are stored.</summary>
    public int Count => _records.Count;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_records.TryGetValue(new StorageKey(grainId.Type.Name, grainId.Key, stateName), out var entry))
        {
            grainState.State = (T)entry.State!;
            grainState.ETag = entry.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var key = new StorageKey(grainId.Type.Name, grainId.Key, stateName);
        var etag = Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);
        var next = new Entry(grainState.State, etag);
        if (grainState.ETag is null)
        {
            if (!_records.TryAdd(key, next))
            {
                throw new InconsistentStateException(_records.TryGetValue(key, out var stored) ? stored.ETag : null, null);
            }
        }
        else if (!_records.TryGetValue(key, out var stored) || stored.ETag != grainState.ETag || !_records.TryUpdate(key, next, stored))
        {
            throw new InconsistentStateException(_records.TryGetValue(key, out var now) ? now.ETag : null, grainState.ETag);
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var key = new StorageKey(grainId.Type.Name, grainId.Key, stateName);
        if (_records.TryGetValue(key, out var stored))
        {
            if (stored.ETag != grainState.ETag || !_records.TryRemove(new KeyValuePair<StorageKey, Entry>(key, stored)))
            {
                throw new InconsistentStateException(stored.ETag, grainState.ETag);
            }
        }
        else if (grainState.ETag is not null)
        {
            throw new InconsistentStateException(null, grainState.ETag);
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private readonly record struct StorageKey(string GrainType, string GrainKey, string StateName);

    private sealed record Entry(object? State, string ETag);
}

using PredictionCache.Silo;

namespace PredictionCache.Grains.Directory;

/// <summary>
/// One shard of the cache directory (key: the shard's index). It keeps the LRU order of the cached prediction
/// grains whose keys hash to it and deactivates the coldest to hold its share of <c>Cache:MaxEntries</c>.
/// It never awaits a prediction grain, so prediction grains may await it.
/// </summary>
public interface ICacheDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Adds a key that now holds an entry (or marks it most recent) and evicts beyond capacity.</summary>
    Task RegisterAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Removes a key whose entry is gone (expired or deleted).</summary>
    Task UnregisterAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Applies the touches buffered by cache hits to the LRU order.</summary>
    Task FlushTouchesAsync();

    /// <summary>Forgets every key and returns them; the caller deactivates their grains (outside any turn).</summary>
    Task<IReadOnlyList<string>> ClearAsync();

    /// <summary>How many keys the shard holds.</summary>
    [ReadOnly]
    Task<int> GetCountAsync();
}

using Orleans.Concurrency;

namespace PredictionCache.Grains.Directory;

/// <summary>
/// One shard of a silo's cache directory (key: the silo's address and the shard's index). It keeps the exact LRU order
/// of the cached prediction grains on its silo whose keys hash to it, and evicts the coldest to hold its share of
/// <c>Cache:MaxEntries</c>. It never awaits a prediction grain, so prediction grains may await it.
/// </summary>
[Alias("predictioncache.directory")]
public interface ICacheDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Adds a key of <paramref name="tenant"/> (empty: none) that now holds an entry (or marks it most recent) and evicts beyond the tenant's share or the capacity.</summary>
    [Alias("register")]
    Task RegisterAsync(string key, string tenant = "", CancellationToken cancellationToken = default);

    /// <summary>Removes a key of <paramref name="tenant"/> whose entry is gone (expired, deleted or evicted).</summary>
    [Alias("unregister")]
    Task UnregisterAsync(string key, string tenant = "", CancellationToken cancellationToken = default);

    /// <summary>Applies the touches buffered by cache hits to the LRU order.</summary>
    [Alias("flush")]
    Task FlushTouchesAsync();

    /// <summary>
    /// Forgets every key of <paramref name="tenant"/> (null: every key) and returns them; the caller drops their grains
    /// (outside any turn of this shard).
    /// </summary>
    [Alias("clear")]
    Task<IReadOnlyList<string>> ClearAsync(string? tenant = null);

    /// <summary>The keys from most to least recently used.</summary>
    [ReadOnly]
    [Alias("keys")]
    Task<IReadOnlyList<string>> GetKeysAsync();
}

using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace PredictionCache.Grains.Prediction;

/// <summary>
/// The fresh entries of the prediction grains active on this silo, so a hit on a key whose activation lives here is
/// answered without a grain call. Silo-local by design: only the owning activation writes its key (it publishes after
/// storing and withdraws on expiry, removal, clear, eviction and deactivation), and a reader still checks the entry's
/// expiry and text, so a late timer never serves a stale entry and no hash collision serves another input.
/// </summary>
internal sealed class SiloLocalEntries
{
    private readonly ConcurrentDictionary<string, PublishedEntry> _entries = new(StringComparer.Ordinal);

    /// <summary>Entries published now.</summary>
    public int Count => _entries.Count;

    public bool TryGet(string key, [NotNullWhen(true)] out PublishedEntry? entry) => _entries.TryGetValue(key, out entry);

    /// <summary>Publishes <paramref name="entry"/> for <paramref name="key"/>; called by the key's activation only.</summary>
    public void Publish(string key, PublishedEntry entry) => _entries[key] = entry;

    /// <summary>Withdraws <paramref name="entry"/> if it is still the one published for <paramref name="key"/>.</summary>
    public void Withdraw(string key, PublishedEntry entry) => _entries.TryRemove(new KeyValuePair<string, PublishedEntry>(key, entry));
}

/// <summary>One published entry: the entry, its directory shard, and what the hit path keeps for it.</summary>
internal sealed class PublishedEntry(CacheEntry entry, int shard, bool fromStorage)
{
    // 1 while the entry came from storage and has not served yet: its first hit counts as a level-2 hit.
    private int _fromStorage = fromStorage ? 1 : 0;

    // Written by concurrent hits: a torn or lost update only costs one redundant touch.
    private int _touchedEpoch = -1;

    public CacheEntry Entry { get; } = entry;

    /// <summary>The directory shard (on this silo) whose LRU order holds the key.</summary>
    public int Shard { get; } = shard;

    /// <summary>The epoch of the shard's touch buffer in which the key was last touched.</summary>
    public ref int TouchedEpoch => ref _touchedEpoch;

    /// <summary>True once, for the first hit on an entry that came back from storage.</summary>
    public bool TakeFromStorage() => Volatile.Read(ref _fromStorage) != 0 && Interlocked.Exchange(ref _fromStorage, 0) != 0;
}

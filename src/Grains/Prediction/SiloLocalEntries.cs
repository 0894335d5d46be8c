using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using PredictionCache.Grains.Tenants;

namespace PredictionCache.Grains.Prediction;

/// <summary>
/// The fresh entries of the prediction grains active on this silo, so a hit on a key whose activation lives here is
/// answered without a grain call. Silo-local by design: only the owning activation writes its entry (it publishes after
/// storing and withdraws on expiry, removal, clear, eviction and deactivation), and a reader still checks the entry's
/// expiry, so a late timer never serves a stale entry.
/// Indexed by model and normalized text, the input itself, not by the cache key: a hit finds its entry without hashing
/// the input (SHA-256 is paid on a miss only), and no hash collision can serve another input. Both strings of the index
/// are the entry's own, so the index adds no copy of the text.
/// </summary>
internal sealed class SiloLocalEntries
{
    private readonly ConcurrentDictionary<EntryInput, PublishedEntry> _entries = new();

    /// <summary>Entries published now.</summary>
    public int Count => _entries.Count;

    /// <summary>The entry published for <paramref name="normalizedText"/> of <paramref name="model"/> and <paramref name="tenant"/>, if any.</summary>
    public bool TryGet(string tenant, string model, string normalizedText, [NotNullWhen(true)] out PublishedEntry? entry) =>
        _entries.TryGetValue(new EntryInput(tenant, model, normalizedText), out entry);

    /// <summary>Publishes <paramref name="entry"/>; called by its key's activation only.</summary>
    public void Publish(PublishedEntry entry) => _entries[EntryInput.Of(entry)] = entry;

    /// <summary>Withdraws <paramref name="entry"/> if it is still the one published for its input.</summary>
    public void Withdraw(PublishedEntry entry) => _entries.TryRemove(new KeyValuePair<EntryInput, PublishedEntry>(EntryInput.Of(entry), entry));

    /// <summary>An input: the tenant, the model's name and the normalized text (ordinal equality).</summary>
    private readonly record struct EntryInput(string Tenant, string Model, string NormalizedText)
    {
        public static EntryInput Of(PublishedEntry published) => new(published.Entry.Tenant, published.Entry.Model, published.Entry.NormalizedText);
    }
}

/// <summary>One published entry: the entry, its cache key and directory shard, and what the hit path keeps for it.</summary>
internal sealed class PublishedEntry(string key, CacheEntry entry, int shard, bool fromStorage, SiloLocalTenant? tenant = null)
{
    // 1 while the entry came from storage and has not served yet: its first hit counts as a level-2 hit.
    private int _fromStorage = fromStorage ? 1 : 0;

    // Written by concurrent hits: a torn or lost update only costs one redundant touch.
    private int _touchedEpoch = -1;

    /// <summary>The cache key (the <c>X-Cache-Key</c> a hit answers with).</summary>
    public string Key { get; } = key;

    public CacheEntry Entry { get; } = entry;

    /// <summary>The directory shard (on this silo) whose LRU order holds the key.</summary>
    public int Shard { get; } = shard;

    /// <summary>The entry's tenant on this silo, whose counters its hits also count; null for no tenant.</summary>
    public SiloLocalTenant? Tenant { get; } = tenant;

    /// <summary>The epoch of the shard's touch buffer in which the key was last touched.</summary>
    public ref int TouchedEpoch => ref _touchedEpoch;

    /// <summary>True once, for the first hit on an entry that came back from storage.</summary>
    public bool TakeFromStorage() => Volatile.Read(ref _fromStorage) != 0 && Interlocked.Exchange(ref _fromStorage, 0) != 0;
}

using System.Collections.Concurrent;

namespace PredictionCache.Grains.Storage;

/// <summary>
/// Keys used on this silo since the last upkeep pass, whose <c>last_access</c> the pass writes in one batch: a hit never writes
/// to storage itself. Fed by the directory shards as they drain their touch buffers, so a key is recorded at most
/// once per drain. Lossy by design, like the touch buffers: a key recorded while a pass takes the set may wait for
/// the next pass, or be missed, and then only its row's trim order is a little off.
/// </summary>
internal sealed class SiloLocalAccessTimes
{
    private ConcurrentDictionary<string, byte> _keys = new(StringComparer.Ordinal);

    public void Record(string key) => _keys.TryAdd(key, 0);

    /// <summary>Takes every key recorded so far and starts a new set.</summary>
    public IReadOnlyCollection<string> TakeAll()
    {
        var taken = Interlocked.Exchange(ref _keys, new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
        return taken.IsEmpty ? [] : taken.Keys.ToArray();
    }
}

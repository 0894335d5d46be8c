namespace PredictionCache.Grains.Directory;

/// <summary>
/// Buffers cache-hit touches for one directory shard so the hit path never schedules a directory turn: hits add
/// keys to one of several bounded ring buffers (striped by thread, lock-free, many writers), and the shard drains
/// them in its turn (one reader). The buffer is lossy, as Caffeine's read buffer is: a touch is dropped when its
/// stripe is full or another writer wins the slot at the same instant, rather than spin on the hit path. A dropped
/// touch leaves the entry where it was in LRU order, which only matters for an entry hit so rarely that none of its
/// touches got in; striping by thread keeps writers mostly apart.
/// </summary>
internal sealed class TouchBuffer
{
    private const int StripeCapacity = 256;
    private readonly Stripe[] _stripes;
    private int _flushRequested;
    private int _epoch;

    public TouchBuffer(int stripes)
    {
        _stripes = new Stripe[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, stripes))];
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Stripe();
        }
    }

    /// <summary>Touches recorded and not yet drained (approximate while writers run).</summary>
    public int Pending => _stripes.Sum(s => s.Count);

    /// <summary>Touches dropped so far (approximate while writers run): every touch is either drained once or counted here.</summary>
    public long Dropped => _stripes.Sum(s => s.Dropped);

    /// <summary>
    /// Moves on at every drain. A key touched in the current epoch is already buffered (or was dropped), and a second
    /// touch before the drain would change nothing but its order among keys touched in the same interval, so callers
    /// skip it: a hot key costs one buffered touch per drain, not one per hit.
    /// </summary>
    public int Epoch => Volatile.Read(ref _epoch);

    /// <summary>Records a touch. Returns true when the caller should ask the shard to drain (once per half-full stripe, until drained).</summary>
    public bool Add(string key)
    {
        var stripe = _stripes[Environment.CurrentManagedThreadId & (_stripes.Length - 1)];
        var count = stripe.TryAdd(key);
        return count >= StripeCapacity / 2 && Interlocked.Exchange(ref _flushRequested, 1) == 0;
    }

    /// <summary>Hands every buffered key to <paramref name="touch"/>; only the owning shard calls it.</summary>
    public int Drain(Action<string> touch)
    {
        // First: a touch made while this drain runs belongs to the next one.
        Interlocked.Increment(ref _epoch);
        Volatile.Write(ref _flushRequested, 0);
        var drained = 0;
        foreach (var stripe in _stripes)
        {
            drained += stripe.Drain(touch);
        }

        return drained;
    }

    private sealed class Stripe
    {
        private readonly string?[] _slots = new string?[StripeCapacity];
        private long _head;
        private long _tail;
        private long _dropped;

        public int Count => (int)(Volatile.Read(ref _tail) - Volatile.Read(ref _head));

        public long Dropped => Volatile.Read(ref _dropped);

        /// <summary>Adds the key; returns the fill level after, or 0 when it was dropped.</summary>
        public int TryAdd(string key)
        {
            var tail = Volatile.Read(ref _tail);
            var head = Volatile.Read(ref _head);
            if (tail - head >= StripeCapacity || Interlocked.CompareExchange(ref _tail, tail + 1, tail) != tail)
            {
                // Full, or another writer won the slot: drop the touch rather than spin on the hit path.
                Interlocked.Increment(ref _dropped);
                return 0;
            }

            Volatile.Write(ref _slots[tail & (StripeCapacity - 1)], key);
            return (int)(tail + 1 - head);
        }

        public int Drain(Action<string> touch)
        {
            var head = _head;
            var tail = Volatile.Read(ref _tail);
            var drained = 0;
            for (; head < tail; head++)
            {
                var index = head & (StripeCapacity - 1);
                var key = Volatile.Read(ref _slots[index]);
                if (key is null)
                {
                    // A writer claimed the slot but has not published yet; take it next time.
                    break;
                }

                _slots[index] = null;
                touch(key);
                drained++;
            }

            Volatile.Write(ref _head, head);
            return drained;
        }
    }
}

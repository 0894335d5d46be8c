namespace PredictionCache.Silo.Timers;

/// <summary>
/// A hashed timer wheel: every grain timer of the silo hangs in one of <c>Slots</c> doubly linked lists, and a single
/// <see cref="TimeProvider"/> timer advances the wheel every <c>Resolution</c>. Schedule and cancel are O(1); a
/// tick visits only the slots that fell due since the last one (all slots once after a long pause), so a clock
/// that jumps ahead fires everything due, in due order.
/// </summary>
internal sealed class TimerWheel : IDisposable
{
    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly long _resolutionTicks;
    private readonly WheelEntry?[] _slots;
    private readonly long _mask;
    private readonly long _origin;
    private ITimer? _timer;
    private long _processedTick;
    private int _count;

    public TimerWheel(TimeProvider time, TimerWheelOptions options)
    {
        if (!int.IsPow2(options.Slots))
        {
            throw new ArgumentException($"Silo:Timers:Slots must be a power of two; it is {options.Slots}.", nameof(options));
        }

        _time = time;
        _resolutionTicks = TimeSpan.FromMilliseconds(options.ResolutionMs).Ticks;
        _slots = new WheelEntry?[options.Slots];
        _mask = options.Slots - 1;
        _origin = time.GetTimestamp();
    }

    /// <summary>How many timers are scheduled.</summary>
    public int Count => Volatile.Read(ref _count);

    public void Start()
    {
        var resolution = TimeSpan.FromTicks(_resolutionTicks);
        _timer ??= _time.CreateTimer(static s => ((TimerWheel)s!).Advance(), this, resolution, resolution);
    }

    /// <summary>Schedules <paramref name="entry"/> to fire after <paramref name="dueIn"/> (rescheduling it if it was scheduled).</summary>
    public void Schedule(WheelEntry entry, TimeSpan dueIn)
    {
        var elapsed = _time.GetElapsedTime(_origin).Ticks + Math.Max(0, dueIn.Ticks);
        var dueTick = (elapsed + _resolutionTicks - 1) / _resolutionTicks;
        lock (_lock)
        {
            Unlink(entry);
            entry.DueTick = Math.Max(dueTick, _processedTick + 1);
            var slot = entry.DueTick & _mask;
            entry.Next = _slots[slot];
            if (entry.Next is not null)
            {
                entry.Next.Previous = entry;
            }

            _slots[slot] = entry;
            entry.Scheduled = true;
            _count++;
        }
    }

    public void Cancel(WheelEntry entry)
    {
        lock (_lock)
        {
            Unlink(entry);
        }
    }

    /// <summary>Fires every entry due by now. Called by the wheel's timer; tests may call it directly.</summary>
    public void Advance()
    {
        List<WheelEntry>? due = null;
        lock (_lock)
        {
            var nowTick = _time.GetElapsedTime(_origin).Ticks / _resolutionTicks;
            if (nowTick <= _processedTick)
            {
                return;
            }

            var first = _processedTick + 1;
            var last = nowTick - _processedTick >= _slots.Length ? first + _slots.Length - 1 : nowTick;
            for (var tick = first; tick <= last && _count > 0; tick++)
            {
                var entry = _slots[tick & _mask];
                while (entry is not null)
                {
                    var next = entry.Next;
                    if (entry.DueTick <= nowTick)
                    {
                        Unlink(entry);
                        (due ??= []).Add(entry);
                    }

                    entry = next;
                }
            }

            _processedTick = nowTick;
        }

        if (due is null)
        {
            return;
        }

        due.Sort(static (a, b) => a.DueTick.CompareTo(b.DueTick));
        foreach (var entry in due)
        {
            entry.Fire();
        }
    }

    public void Dispose() => _timer?.Dispose();

    private void Unlink(WheelEntry entry)
    {
        if (!entry.Scheduled)
        {
            return;
        }

        if (entry.Previous is not null)
        {
            entry.Previous.Next = entry.Next;
        }
        else
        {
            _slots[entry.DueTick & _mask] = entry.Next;
        }

        if (entry.Next is not null)
        {
            entry.Next.Previous = entry.Previous;
        }

        entry.Previous = null;
        entry.Next = null;
        entry.Scheduled = false;
        _count--;
    }
}

/// <summary>An entry of the <see cref="TimerWheel"/>; the wheel owns its links.</summary>
internal abstract class WheelEntry
{
    internal WheelEntry? Previous { get; set; }

    internal WheelEntry? Next { get; set; }

    internal long DueTick { get; set; }

    internal bool Scheduled { get; set; }

    /// <summary>Runs on the thread that advanced the wheel, outside the wheel's lock; must not throw.</summary>
    internal abstract void Fire();
}

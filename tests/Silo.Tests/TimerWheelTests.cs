using PredictionCache.Silo.Timers;
using PredictionCache.TestKit;

namespace PredictionCache.Silo.Tests;

/// <summary>The hashed timer wheel on its own, advanced by hand.</summary>
public sealed class TimerWheelTests
{
    [Fact]
    public void Advance_TenThousandRandomTimers_EachFiresOnceInDueOrderNotEarly()
    {
        // Arrange: 1 ms resolution so due times are exact; 1,024 slots so most timers wait several rounds.
        var clock = new ManualTimeProvider();
        var wheel = new TimerWheel(clock, new TimerWheelOptions { ResolutionMs = 1, Slots = 1024 });
        var random = new Random(20260101);
        var fired = new List<(Entry Entry, long AtMs)>();
        var elapsedMs = 0L;
        var entries = Enumerable.Range(0, 10_000)
            .Select(i => new Entry(i, random.Next(0, 30_000), e => fired.Add((e, elapsedMs))))
            .ToList();
        foreach (var entry in entries)
        {
            wheel.Schedule(entry, TimeSpan.FromMilliseconds(entry.DueMs));
        }

        // Act: uneven steps, some longer than a whole round of the wheel.
        while (elapsedMs <= 31_000)
        {
            var step = random.Next(1, 10) == 1 ? random.Next(1_000, 3_000) : random.Next(1, 40);
            clock.Advance(TimeSpan.FromMilliseconds(step));
            elapsedMs += step;
            wheel.Advance();
        }

        // Assert
        Assert.Equal(10_000, fired.Count);
        Assert.Equal(10_000, fired.Select(f => f.Entry.Id).Distinct().Count());
        Assert.All(fired, f => Assert.True(f.AtMs >= f.Entry.DueMs, $"timer {f.Entry.Id} due at {f.Entry.DueMs} ms fired at {f.AtMs} ms"));
        Assert.True(fired.Select(f => f.Entry.DueMs).SequenceEqual(fired.Select(f => f.Entry.DueMs).Order()), "timers fired out of due order");
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Advance_EveryResolutionStep_FiresEachTimerAtItsExactDueTick()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var wheel = new TimerWheel(clock, new TimerWheelOptions { ResolutionMs = 10, Slots = 16 });
        var elapsedMs = 0L;
        var fired = new List<(Entry Entry, long AtMs)>();
        var entries = new[] { 0, 5, 10, 11, 159, 160, 161, 400, 1_000 }
            .Select((due, i) => new Entry(i, due, e => fired.Add((e, elapsedMs))))
            .ToList();
        entries.ForEach(e => wheel.Schedule(e, TimeSpan.FromMilliseconds(e.DueMs)));

        // Act
        while (elapsedMs < 1_100)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            elapsedMs += 10;
            wheel.Advance();
        }

        // Assert: each fires at the first wheel tick at or after its due time (due 0 on the first tick).
        Assert.Equal(entries.Select(e => e.DueMs == 0 ? 10 : (e.DueMs + 9) / 10 * 10), fired.Select(f => f.AtMs));
    }

    [Fact]
    public void Cancel_HalfOfTheTimers_OnlyTheOthersFire()
    {
        // Arrange: 16 slots, so every slot's list holds many entries and cancels unlink from the middle of lists.
        var clock = new ManualTimeProvider();
        var wheel = new TimerWheel(clock, new TimerWheelOptions { ResolutionMs = 1, Slots = 16 });
        var random = new Random(7);
        var fired = new List<int>();
        var entries = Enumerable.Range(0, 10_000).Select(i => new Entry(i, random.Next(1, 5_000), e => fired.Add(e.Id))).ToList();
        entries.ForEach(e => wheel.Schedule(e, TimeSpan.FromMilliseconds(e.DueMs)));

        // Act
        foreach (var entry in entries.Where(e => e.Id % 2 == 1))
        {
            wheel.Cancel(entry);
        }

        var countAfterCancel = wheel.Count;
        clock.Advance(TimeSpan.FromSeconds(10));
        wheel.Advance();

        // Assert
        Assert.Equal(5_000, countAfterCancel);
        Assert.Equal(entries.Where(e => e.Id % 2 == 0).Select(e => e.Id).Order(), fired.Order());
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Cancel_TwiceOrNeverScheduled_IsANoOp()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var wheel = new TimerWheel(clock, new TimerWheelOptions { ResolutionMs = 1, Slots = 16 });
        var fired = new List<int>();
        var kept = new Entry(1, 5, e => fired.Add(e.Id));
        var cancelled = new Entry(2, 5, e => fired.Add(e.Id));
        wheel.Schedule(kept, TimeSpan.FromMilliseconds(5));
        wheel.Schedule(cancelled, TimeSpan.FromMilliseconds(5));

        // Act
        wheel.Cancel(cancelled);
        wheel.Cancel(cancelled);
        wheel.Cancel(new Entry(3, 0, e => fired.Add(e.Id)));
        clock.Advance(TimeSpan.FromMilliseconds(5));
        wheel.Advance();

        // Assert
        Assert.Equal([1], fired);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Schedule_AlreadyScheduledEntry_MovesIt()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var wheel = new TimerWheel(clock, new TimerWheelOptions { ResolutionMs = 1, Slots = 16 });
        var fired = new List<long>();
        var entry = new Entry(1, 0, _ => fired.Add(clock.GetTimestamp()));
        wheel.Schedule(entry, TimeSpan.FromMilliseconds(3));

        // Act
        wheel.Schedule(entry, TimeSpan.FromMilliseconds(40));
        for (var ms = 0; ms < 100; ms++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            wheel.Advance();
        }

        // Assert
        Assert.Equal([TimeSpan.FromMilliseconds(40).Ticks], fired);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Advance_ClockJumpsPastAWholeRound_FiresEverythingDueInOrder()
    {
        // Arrange: 16 slots × 10 ms = a 160 ms round; the clock jumps 10 s.
        var clock = new ManualTimeProvider();
        var wheel = new TimerWheel(clock, new TimerWheelOptions { ResolutionMs = 10, Slots = 16 });
        var fired = new List<long>();
        long[] dues = [9_000, 5, 150, 170, 159, 500, 1_000, 161, 9_990, 20_000];
        foreach (var (due, i) in dues.Select((d, i) => (d, i)))
        {
            wheel.Schedule(new Entry(i, due, e => fired.Add(e.DueMs)), TimeSpan.FromMilliseconds(due));
        }

        // Act
        clock.Advance(TimeSpan.FromSeconds(10));
        wheel.Advance();

        // Assert: everything due by 10 s fired, in order; the 20 s one waits.
        Assert.Equal(dues.Where(d => d <= 10_000).Order(), fired);
        Assert.Equal(1, wheel.Count);
        clock.Advance(TimeSpan.FromSeconds(10));
        wheel.Advance();
        Assert.Equal(20_000, fired[^1]);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Advance_EntryReschedulesItselfWhileFiring_FiresAgainNextPeriod()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var wheel = new TimerWheel(clock, new TimerWheelOptions { ResolutionMs = 10, Slots = 16 });
        var fired = 0;
        Entry? entry = null;
        entry = new Entry(1, 100, _ =>
        {
            fired++;
            wheel.Schedule(entry!, TimeSpan.FromMilliseconds(100));
        });
        wheel.Schedule(entry, TimeSpan.FromMilliseconds(100));

        // Act
        for (var step = 0; step < 100; step++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            wheel.Advance();
        }

        // Assert: 1 s of 100 ms periods.
        Assert.Equal(10, fired);
        Assert.Equal(1, wheel.Count);
    }

    [Fact]
    public void Start_WithManualClock_AdvancesOnTheClocksTimer()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        using var wheel = new TimerWheel(clock, new TimerWheelOptions { ResolutionMs = 50, Slots = 64 });
        var fired = 0;
        wheel.Schedule(new Entry(1, 1_000, _ => fired++), TimeSpan.FromSeconds(1));

        // Act
        wheel.Start();
        clock.Advance(TimeSpan.FromMilliseconds(999));
        var early = fired;
        clock.Advance(TimeSpan.FromMilliseconds(1));

        // Assert
        Assert.Equal(0, early);
        Assert.Equal(1, fired);
        Assert.Equal(1, clock.ActiveTimerCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(4095)]
    public void Constructor_SlotsNotAPowerOfTwo_Throws(int slots)
    {
        // Act and assert
        var exception = Assert.Throws<ArgumentException>(() => new TimerWheel(new ManualTimeProvider(), new TimerWheelOptions { Slots = slots }));
        Assert.Contains("power of two", exception.Message, StringComparison.Ordinal);
    }

    private sealed class Entry(int id, long dueMs, Action<Entry> onFire) : WheelEntry
    {
        public int Id { get; } = id;

        public long DueMs { get; } = dueMs;

        internal override void Fire() => onFire(this);
    }
}

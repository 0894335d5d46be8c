namespace PredictionCache.Benchmarks.Hosting;

/// <summary>
/// The system clock, with a wall-clock offset the bench can move: timers and timestamps stay real, only
/// <see cref="GetUtcNow"/> shifts. Used to age finished jobs past their retention and sweep them, so the job
/// store's share of memory can be measured on its own.
/// </summary>
internal sealed class ShiftableTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

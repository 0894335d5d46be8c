namespace PredictionCache.Silo;

/// <summary>A grain timer, as Orleans' <c>IGrainTimer</c>. Disposing it cancels pending and running ticks.</summary>
public interface IGrainTimer : IDisposable
{
    /// <summary>Reschedules the timer: first tick after <paramref name="dueTime"/>, then every <paramref name="period"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/> for one tick only).</summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}

/// <summary>Options of <see cref="Grain.RegisterGrainTimer{TState}"/>, as Orleans' <c>GrainTimerCreationOptions</c>.</summary>
public sealed record GrainTimerCreationOptions
{
    /// <summary>Time until the first tick. Required.</summary>
    public required TimeSpan DueTime { get; init; }

    /// <summary>Time between ticks, from the end of one tick; <see cref="Timeout.InfiniteTimeSpan"/> (default) ticks once.</summary>
    public TimeSpan Period { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>When true the callback runs without taking a turn (interleaved); default false.</summary>
    public bool Interleave { get; init; }

    /// <summary>When true a tick counts as use and keeps the activation from idle collection; default false.</summary>
    public bool KeepAlive { get; init; }
}

using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>
/// A <see cref="ManualTimeProvider"/> that also tells a test when a timer with a given due time was created, so
/// the test advances the clock only once the code under test is really waiting on it (no sleeps, no guesses).
/// </summary>
public sealed class TestClock : TimeProvider
{
    private readonly ManualTimeProvider _clock = new();
    private readonly object _lock = new();
    private readonly List<TimeSpan> _created = [];
    private readonly List<(TimeSpan DueTime, TaskCompletionSource Signal)> _watchers = [];

    public override long TimestampFrequency => _clock.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => _clock.LocalTimeZone;

    public override DateTimeOffset GetUtcNow() => _clock.GetUtcNow();

    public override long GetTimestamp() => _clock.GetTimestamp();

    /// <summary>Moves the clock forward, firing every timer due on the way before it returns.</summary>
    public void Advance(TimeSpan delta) => _clock.Advance(delta);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = _clock.CreateTimer(callback, state, dueTime, period);
        List<TaskCompletionSource>? signals = null;
        lock (_lock)
        {
            _created.Add(dueTime);
            for (var i = _watchers.Count - 1; i >= 0; i--)
            {
                if (_watchers[i].DueTime == dueTime)
                {
                    (signals ??= []).Add(_watchers[i].Signal);
                    _watchers.RemoveAt(i);
                }
            }
        }

        signals?.ForEach(s => s.TrySetResult());
        return timer;
    }

    /// <summary>Completes once a timer due in exactly <paramref name="dueTime"/> has been created (at once if one was).</summary>
    public Task WhenTimerCreatedAsync(TimeSpan dueTime)
    {
        lock (_lock)
        {
            if (_created.Contains(dueTime))
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _watchers.Add((dueTime, signal));
            return signal.Task;
        }
    }
}

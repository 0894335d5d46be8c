using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace PredictionCache.TestKit;

/// <summary>
/// The tests' clock: <see cref="FakeTimeProvider"/>, which a test moves with <see cref="FakeTimeProvider.Advance"/>,
/// plus the one event tests wait on before they move it: a timer being created with a given due time (a grain's TTL
/// timer, a job wait). Everything else is FakeTimeProvider's own.
/// </summary>
public sealed class TestClock : FakeTimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<(TimeSpan DueTime, TaskCompletionSource Created)> _waiters = [];
    private int _created;

    /// <summary>A clock at 2030-01-01T00:00:00Z.</summary>
    public TestClock()
        : base(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Timers created on this clock so far.</summary>
    public int TimersCreated => Volatile.Read(ref _created);

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _created);
        lock (_lock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].DueTime == dueTime)
                {
                    _waiters[i].Created.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }

        return timer;
    }

    /// <summary>Completes when a timer due in <paramref name="dueTime"/> is next created on this clock.</summary>
    public Task WhenTimerCreatedAsync(TimeSpan dueTime)
    {
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _waiters.Add((dueTime, created));
        }

        return created.Task;
    }
}

/// <summary>Puts a test clock under a host's services the way Orleans needs it.</summary>
public static class TestClockServiceCollectionExtensions
{
    private static readonly string[] OrleansRealTimeAreas =
    [
        TimeProviderNames.Messaging, TimeProviderNames.SystemTimers, TimeProviderNames.Membership,
        TimeProviderNames.ActivationManagement, TimeProviderNames.GrainDirectory,
    ];

    /// <summary>
    /// Makes <paramref name="clock"/> the product's <see cref="TimeProvider"/> and Orleans' grain clock
    /// (<see cref="TimeProviderNames.Grains"/>: grain timers), while Orleans' own areas (messaging, membership, activation
    /// management, the directory, system timers) keep the real clock: a silo whose membership clock stands still
    /// declares itself dead.
    /// </summary>
    public static IServiceCollection UseTestClock(this IServiceCollection services, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(clock);
        services.RemoveAll<TimeProvider>();
        services.AddSingleton(clock);
        foreach (var area in OrleansRealTimeAreas)
        {
            services.AddKeyedSingleton(area, TimeProvider.System);
        }

        services.AddKeyedSingleton(TimeProviderNames.Grains, clock);
        return services;
    }
}

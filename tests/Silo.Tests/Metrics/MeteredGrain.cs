using Microsoft.Extensions.DependencyInjection;

namespace PredictionCache.Silo.Tests.Metrics;

/// <summary>A grain of the tests' own in a <c>PredictionCache.</c> namespace, so the metrics filter counts its calls.</summary>
[Alias("predictioncache.test.metered")]
public interface IMeteredGrain : IGrainWithStringKey
{
    [Alias("ping")]
    Task PingAsync();

    /// <summary>Arms a one-shot grain timer due in <paramref name="due"/>; each tick counts and completes <see cref="TickSignal"/>.</summary>
    [Alias("arm")]
    Task ArmTimerAsync(TimeSpan due);

    [Alias("ticks")]
    Task<int> GetTicksAsync();
}

/// <summary>What a test waits on: the metered grain's timer has ticked.</summary>
public sealed class TickSignal
{
    public TaskCompletionSource Ticked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

[GrainType(GrainTypeName)]
internal sealed class MeteredGrain : Grain, IMeteredGrain
{
    public const string GrainTypeName = "predictioncache.test.metered";

    private TickSignal? _signal;
    private IGrainTimer? _timer;
    private int _ticks;

    public Task PingAsync() => Task.CompletedTask;

    public Task ArmTimerAsync(TimeSpan due)
    {
        // Only the timer test registers a signal; the other tests' silos have none.
        _signal = ServiceProvider.GetRequiredService<TickSignal>();
        _timer?.Dispose();
        _timer = this.RegisterGrainTimer(
            static (MeteredGrain self, CancellationToken _) =>
            {
                self._ticks++;
                self._signal!.Ticked.TrySetResult();
                return Task.CompletedTask;
            },
            this,
            new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan, Interleave = false, KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task<int> GetTicksAsync() => Task.FromResult(_ticks);
}

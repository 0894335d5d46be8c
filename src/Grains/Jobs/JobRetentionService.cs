using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PredictionCache.Grains.Jobs;

/// <summary>
/// Deletes finished jobs past <see cref="JobOptions.RetentionHours"/> every <see cref="JobOptions.SweepIntervalMinutes"/>,
/// on the clock, from the silo's start to its stop (a silo lifecycle participant: no work starts in a constructor).
/// A failed sweep (storage down) is logged and the next one tries again.
/// </summary>
internal sealed partial class JobRetentionService(IJobStore jobs, IOptions<JobOptions> options, TimeProvider time, ILogger<JobRetentionService> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(JobRetentionService), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    internal Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = OnTheClock.RunAsync(
            TimeSpan.FromMinutes(options.Value.SweepIntervalMinutes), time, jobs.SweepAsync, ex => LogSweepFailed(logger, ex), _stopping.Token);
        return Task.CompletedTask;
    }

    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting expired jobs failed; the next sweep tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PredictionCache.Grains.Jobs;

/// <summary>
/// Writes again, in the background and with backoff, a job's completion that storage refused (the database down or
/// unreachable), so a job a client was told about does not stay <c>processing</c> while the gateway runs. The
/// grain's turn never waits on it. After <see cref="MaxAttempts"/> it gives up and logs; should the process stop
/// first, start-up recovery settles the job (completed from its stored entry, or failed with a reason).
/// </summary>
internal sealed partial class JobCompletionRetries(TimeProvider time, ILogger<JobCompletionRetries> logger) : IAsyncDisposable
{
    /// <summary>Tries after the first failure; about 25 minutes in all.</summary>
    public const int MaxAttempts = 30;

    private static readonly TimeSpan[] Backoff =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(16), TimeSpan.FromSeconds(32), TimeSpan.FromSeconds(60)];

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Guid, Task> _pending = new();

    /// <summary>Completions waiting to be written again.</summary>
    public int Pending => _pending.Count;

    /// <summary>Writes <paramref name="jobId"/>'s completion again later with <paramref name="write"/>, until it succeeds.</summary>
    public void Schedule(Guid jobId, Func<CancellationToken, Task> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        // Owned here: the task removes itself when done, and DisposeAsync awaits whatever is left.
        _pending[jobId] = RetryAsync(jobId, write);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_pending.Values);
        _stopping.Dispose();
    }

    private async Task RetryAsync(Guid jobId, Func<CancellationToken, Task> write)
    {
        await Task.Yield();
        try
        {
            for (var attempt = 1; attempt <= MaxAttempts; attempt++)
            {
                await Task.Delay(Backoff[Math.Min(attempt - 1, Backoff.Length - 1)], time, _stopping.Token);
                try
                {
                    await write(_stopping.Token);
                    LogWritten(logger, jobId, attempt);
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogAttemptFailed(logger, ex, jobId, attempt);
                }
            }

            LogGaveUp(logger, jobId, MaxAttempts);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: start-up recovery settles the job.
        }
        finally
        {
            _pending.TryRemove(jobId, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}'s completion was written on retry {Attempt}")]
    private static partial void LogWritten(ILogger logger, Guid jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}'s completion could not be written (retry {Attempt}); trying again later")]
    private static partial void LogAttemptFailed(ILogger logger, Exception exception, Guid jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}'s completion could not be written after {Attempts} retries; start-up recovery will settle it")]
    private static partial void LogGaveUp(ILogger logger, Guid jobId, int attempts);
}

using System.Collections.Concurrent;

namespace PredictionCache.Grains.Jobs;

/// <summary>
/// In-process wake-ups for clients waiting on jobs (<c>Prefer: wait</c>): a store signals a job's id when it
/// finishes it, and every waiter for that id wakes and reads the job again.
/// </summary>
internal sealed class JobWaiters(TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _waiters = new();

    /// <summary>
    /// Waits for <paramref name="id"/> to finish: <paramref name="read"/> gives the job as stored; it is read again
    /// after the waiter is registered, so a finish between the first look and the registration is not missed.
    /// </summary>
    public async Task<JobRecord?> WaitAsync(
        Guid id, TimeSpan timeout, Func<Guid, CancellationToken, Task<JobRecord?>> read, CancellationToken cancellationToken)
    {
        var job = await read(id, cancellationToken);
        if (job is null || job.IsFinished || timeout <= TimeSpan.Zero)
        {
            return job;
        }

        var signal = _waiters.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        job = await read(id, cancellationToken);
        if (job is null || job.IsFinished)
        {
            return job;
        }

        try
        {
            await signal.WaitAsync(timeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Timed out: the caller gets the job as it is now, still processing.
        }

        return await read(id, cancellationToken);
    }

    /// <summary>Wakes every waiter for <paramref name="id"/>.</summary>
    public void Signal(Guid id)
    {
        if (_waiters.TryRemove(id, out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}

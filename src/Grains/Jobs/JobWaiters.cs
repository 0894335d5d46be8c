using System.Collections.Concurrent;

namespace PredictionCache.Grains.Jobs;

/// <summary>
/// Wake-ups for clients waiting on jobs (<c>Prefer: wait</c>): a store signals a job's id when it finishes it, and
/// every waiter for that id wakes and reads the job again. A job another node finishes (a shared store) sends no signal
/// here: a waiter also reads it again every <paramref name="poll"/> (infinite: a store no other process writes).
/// </summary>
internal sealed class JobWaiters(TimeProvider time, TimeSpan poll)
{
    /// <summary>Waiters of a store only this process writes: signals alone.</summary>
    public JobWaiters(TimeProvider time)
        : this(time, Timeout.InfiniteTimeSpan)
    {
    }

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

        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var signal = _waiters.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            job = await read(id, cancellationToken);
            var remaining = deadline - time.GetUtcNow();
            if (job is null || job.IsFinished || remaining <= TimeSpan.Zero)
            {
                // The entry goes with the last look, or a job no signal reaches (another node finished it, or the
                // signal came before this entry) would keep it forever. Other waiters may share it and the signal may
                // already have missed it, so they are woken to read again rather than left to their next poll.
                if (_waiters.TryRemove(new KeyValuePair<Guid, TaskCompletionSource>(id, signal)))
                {
                    signal.TrySetResult();
                }

                return job;
            }

            try
            {
                await signal.Task.WaitAsync(poll == Timeout.InfiniteTimeSpan || poll > remaining ? remaining : poll, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // A poll or the end of the wait: read the job again (at the end the caller gets it still processing).
            }
        }
    }

    /// <summary>Jobs with waiters registered.</summary>
    internal int Count => _waiters.Count;

    /// <summary>Wakes every waiter for <paramref name="id"/>.</summary>
    public void Signal(Guid id)
    {
        if (_waiters.TryRemove(id, out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}

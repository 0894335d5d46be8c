using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>
/// A job store that counts the clients waiting on jobs (<c>Prefer: wait</c>), so a test releases a model only once
/// every request has joined its job and is waiting: no sleeps, no polling.
/// </summary>
internal sealed class WaitCountingJobStore(IJobStore inner, int expectedWaiters) : IJobStore
{
    private readonly TaskCompletionSource _allWaiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiters;

    /// <summary>Completes once <c>expectedWaiters</c> waits have started.</summary>
    public Task AllWaiting => _allWaiting.Task;

    public Task CreateAsync(JobRecord job, CancellationToken cancellationToken = default) => inner.CreateAsync(job, cancellationToken);

    public Task CompleteAsync(Guid id, PredictionResult result, DateTimeOffset completedAt, CancellationToken cancellationToken = default) =>
        inner.CompleteAsync(id, result, completedAt, cancellationToken);

    public Task FailAsync(Guid id, string error, DateTimeOffset completedAt, bool timedOut = false, CancellationToken cancellationToken = default) =>
        inner.FailAsync(id, error, completedAt, timedOut, cancellationToken);

    public Task<JobRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

    public Task<JobRecord?> WaitAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _waiters) == expectedWaiters)
        {
            _allWaiting.TrySetResult();
        }

        return inner.WaitAsync(id, timeout, cancellationToken);
    }

    public Task<long> SweepAsync(CancellationToken cancellationToken = default) => inner.SweepAsync(cancellationToken);
}

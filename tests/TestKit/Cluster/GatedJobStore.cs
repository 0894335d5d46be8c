using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.TestKit;

/// <summary>
/// A job store whose completions (complete and fail) can be held at a gate, so a test can keep the prediction grain
/// inside the turn that finishes a job; everything else goes straight to an in-memory store.
/// </summary>
public sealed class GatedJobStore(IJobStore inner) : IJobStore
{
    private readonly object _lock = new();
    private TaskCompletionSource _gate = Opened();
    private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _failures;

    /// <summary>Makes the next <paramref name="count"/> completions (complete or fail) throw, as a database that is down would.</summary>
    public void FailNextFinishes(int count) => Volatile.Write(ref _failures, count);

    /// <summary>Makes later completions wait until <see cref="ReleaseFinishes"/>.</summary>
    public void HoldFinishes()
    {
        lock (_lock)
        {
            _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseFinishes()
    {
        lock (_lock)
        {
            _gate.TrySetResult();
        }
    }

    /// <summary>Completes once a completion is waiting at the gate set by the last <see cref="HoldFinishes"/>.</summary>
    public Task FinishReached()
    {
        lock (_lock)
        {
            return TestWait.ForAsync(_reached.Task, "a job completion to reach the gate");
        }
    }

    public Task CreateAsync(JobRecord job, CancellationToken cancellationToken = default) => inner.CreateAsync(job, cancellationToken);

    public async Task CompleteAsync(Guid id, PredictionResult result, DateTimeOffset completedAt, CancellationToken cancellationToken = default)
    {
        await PassGateAsync();
        await inner.CompleteAsync(id, result, completedAt, cancellationToken);
    }

    public async Task FailAsync(Guid id, string error, DateTimeOffset completedAt, bool timedOut = false, CancellationToken cancellationToken = default)
    {
        await PassGateAsync();
        await inner.FailAsync(id, error, completedAt, timedOut, cancellationToken);
    }

    public Task<JobRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

    public Task<JobRecord?> WaitAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        inner.WaitAsync(id, timeout, cancellationToken);

    public Task<JobStatusCounts?> CountByStatusAsync(CancellationToken cancellationToken = default) => inner.CountByStatusAsync(cancellationToken);

    public Task<long> SweepAsync(CancellationToken cancellationToken = default) => inner.SweepAsync(cancellationToken);

    private static TaskCompletionSource Opened()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    private Task PassGateAsync()
    {
        if (Interlocked.Decrement(ref _failures) >= 0)
        {
            throw new InvalidOperationException("The job store is down (injected).");
        }

        lock (_lock)
        {
            _reached.TrySetResult();
            return _gate.Task;
        }
    }
}

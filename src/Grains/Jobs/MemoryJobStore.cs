using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Inference;

namespace PredictionCache.Grains.Jobs;

/// <summary>
/// Jobs in process memory. Finished jobs are deleted <see cref="JobOptions.RetentionHours"/> after they finish,
/// by <see cref="JobRetentionService"/>'s sweep every <see cref="JobOptions.SweepIntervalMinutes"/>; processing jobs are never swept.
/// </summary>
internal sealed class MemoryJobStore : IJobStore
{
    private readonly ConcurrentDictionary<Guid, JobRecord> _jobs = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly JobWaiters _waiters;

    // Kept as jobs change, so counting them never walks the dictionary (index: JobStatus).
    private readonly long[] _byStatus = new long[3];

    public MemoryJobStore(TimeProvider time, IOptions<JobOptions> options)
    {
        _time = time;
        _waiters = new JobWaiters(time);
        _retention = TimeSpan.FromHours(options.Value.RetentionHours);
    }

    public int Count => _jobs.Count;

    public Task CreateAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!_jobs.TryAdd(job.Id, job))
        {
            throw new InvalidOperationException($"Job {job.Id} exists already.");
        }

        Interlocked.Increment(ref _byStatus[(int)job.Status]);
        return Task.CompletedTask;
    }

    public Task CompleteAsync(Guid id, PredictionResult result, DateTimeOffset completedAt, CancellationToken cancellationToken = default) =>
        Finish(id, job => job with { Status = JobStatus.Completed, Result = result, CompletedAt = completedAt });

    public Task FailAsync(Guid id, string error, DateTimeOffset completedAt, bool timedOut = false, CancellationToken cancellationToken = default) =>
        Finish(id, job => job with { Status = JobStatus.Failed, Error = error, CompletedAt = completedAt, TimedOut = timedOut });

    public Task<JobRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_jobs.GetValueOrDefault(id));

    public Task<JobRecord?> WaitAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _waiters.WaitAsync(id, timeout, GetAsync, cancellationToken);

    public Task<JobStatusCounts?> CountByStatusAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<JobStatusCounts?>(new JobStatusCounts(
            Interlocked.Read(ref _byStatus[(int)JobStatus.Processing]),
            Interlocked.Read(ref _byStatus[(int)JobStatus.Completed]),
            Interlocked.Read(ref _byStatus[(int)JobStatus.Failed])));

    public Task<long> SweepAsync(CancellationToken cancellationToken = default) => Task.FromResult((long)Sweep());

    /// <summary>Deletes finished jobs older than the retention; returns how many.</summary>
    internal int Sweep()
    {
        var cutoff = _time.GetUtcNow() - _retention;
        var removed = 0;
        foreach (var (id, job) in _jobs)
        {
            if (job.CompletedAt is { } completed && completed <= cutoff &&
                _jobs.TryRemove(new KeyValuePair<Guid, JobRecord>(id, job)))
            {
                Interlocked.Decrement(ref _byStatus[(int)job.Status]);
                removed++;
            }
        }

        return removed;
    }

    private Task Finish(Guid id, Func<JobRecord, JobRecord> finish)
    {
        while (_jobs.TryGetValue(id, out var job))
        {
            if (job.IsFinished)
            {
                break;
            }

            var finished = finish(job);
            if (_jobs.TryUpdate(id, finished, job))
            {
                Interlocked.Decrement(ref _byStatus[(int)job.Status]);
                Interlocked.Increment(ref _byStatus[(int)finished.Status]);
                _waiters.Signal(id);
                break;
            }
        }

        return Task.CompletedTask;
    }
}

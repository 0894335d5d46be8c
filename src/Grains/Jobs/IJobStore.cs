using PredictionCache.Grains.Inference;

namespace PredictionCache.Grains.Jobs;

/// <summary>
/// Where jobs live. <see cref="CreateAsync"/> returns only once the job is stored, so a client told its id can
/// always find it. Implementations: in memory, and in SQL (SQLite or PostgreSQL).
/// </summary>
public interface IJobStore
{
    /// <summary>Stores a new processing job.</summary>
    /// <exception cref="InvalidOperationException">A job with the same id exists already; the stored one is kept.</exception>
    Task CreateAsync(JobRecord job, CancellationToken cancellationToken = default);

    /// <summary>Marks the job completed with <paramref name="result"/>, and wakes its waiters.</summary>
    Task CompleteAsync(Guid id, PredictionResult result, DateTimeOffset completedAt, CancellationToken cancellationToken = default);

    /// <summary>Marks the job failed with <paramref name="error"/> (<paramref name="timedOut"/>: by taking too long), and wakes its waiters.</summary>
    Task FailAsync(Guid id, string error, DateTimeOffset completedAt, bool timedOut = false, CancellationToken cancellationToken = default);

    /// <summary>The job, or null when there is none with that id.</summary>
    Task<JobRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>The job once it is finished or <paramref name="timeout"/> has passed, whichever is first; null when unknown.</summary>
    Task<JobRecord?> WaitAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Deletes the jobs finished longer than <c>Jobs:RetentionHours</c> ago; processing jobs never. Returns how many.</summary>
    Task<long> SweepAsync(CancellationToken cancellationToken = default);

    /// <summary>Jobs held now, by status; null when the store cannot count them.</summary>
    Task<JobStatusCounts?> CountByStatusAsync(CancellationToken cancellationToken = default) => Task.FromResult<JobStatusCounts?>(null);
}

/// <summary>Jobs held by a store, by status.</summary>
/// <param name="Processing">Jobs queued or running.</param>
/// <param name="Completed">Jobs with a result.</param>
/// <param name="Failed">Jobs that failed.</param>
public sealed record JobStatusCounts(long Processing, long Completed, long Failed);

using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>A job store whose database is down: every call fails with a message that must not reach clients.</summary>
public sealed class UnreachableJobStore : IJobStore
{
    public const string Secret = "Host=db.internal;Password=hunter2";

    public Task CreateAsync(JobRecord job, CancellationToken cancellationToken = default) => throw Down();

    public Task CompleteAsync(Guid id, PredictionResult result, DateTimeOffset completedAt, CancellationToken cancellationToken = default) => throw Down();

    public Task FailAsync(Guid id, string error, DateTimeOffset completedAt, bool timedOut = false, CancellationToken cancellationToken = default) => throw Down();

    public Task<JobRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default) => throw Down();

    public Task<JobRecord?> WaitAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken = default) => throw Down();

    public Task<long> SweepAsync(CancellationToken cancellationToken = default) => throw Down();

    private static InvalidOperationException Down() => new($"Cannot reach {Secret}.");
}

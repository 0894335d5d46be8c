using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Jobs;

/// <summary>A job completion that storage refused is written again later, so the job never stays processing.</summary>
public sealed class JobCompletionRetriesTests
{
    [Fact]
    public async Task Complete_StorageRefusesTwice_IsWrittenOnTheSecondRetryAndWakesTheWaiter()
    {
        // Arrange: the job store is down for the first two completion writes.
        await using var host = await CacheHost.StartWithGatedJobsAsync(new FakeInferenceBackend(gated: false));
        var retries = host.Services.GetRequiredService<JobCompletionRetries>();
        host.GatedJobs.FailNextFinishes(2);
        var started = await host.PredictAsync("a");
        var waiter = host.Jobs.WaitAsync(started.JobId, TimeSpan.FromDays(1));

        // Act: the first write fails in the grain's turn; the retries come after 1 s and then 2 s.
        await host.Clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(1)).WaitAsync(CacheHost.HangGuard);
        var beforeRetry = (await host.Jobs.GetAsync(started.JobId))!.Status;
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        await host.Clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(2)).WaitAsync(CacheHost.HangGuard);
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        var job = await waiter.WaitAsync(CacheHost.HangGuard);

        // Assert
        Assert.Equal(PredictOutcomeKind.Started, started.Kind);
        Assert.Equal(JobStatus.Processing, beforeRetry);
        Assert.Equal(JobStatus.Completed, job!.Status);
        Assert.Equal(FakeInferenceBackend.AnswerFor("a"), job.Result!.ToString());
        await host.Activity.WaitUntilAsync(() => retries.Pending == 0);
    }

    [Fact]
    public async Task Dispose_WithARetryPending_StopsItWithoutWriting()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var retries = new JobCompletionRetries(clock, NullLogger<JobCompletionRetries>.Instance);
        var writes = 0;
        retries.Schedule(Guid.NewGuid(), _ =>
        {
            Interlocked.Increment(ref writes);
            return Task.CompletedTask;
        });
        await clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(1)).WaitAsync(CacheHost.HangGuard);

        // Act
        await retries.DisposeAsync().AsTask().WaitAsync(CacheHost.HangGuard);

        // Assert
        Assert.Equal((0, 0), (writes, retries.Pending));
    }
}

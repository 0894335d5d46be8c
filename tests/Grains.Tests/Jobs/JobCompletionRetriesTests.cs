using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
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
        await using var host = await TestClusters.StartWithGatedJobsAsync(new FakeInferenceBackend(gated: false));
        var retries = host.Services.GetRequiredService<JobCompletionRetries>();
        host.GatedJobs().FailNextFinishes(2);
        var firstRetry = host.Clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(1));
        var started = await host.PredictAsync("a");
        var waiter = host.Jobs.WaitAsync(started.JobId, TimeSpan.FromDays(1));

        // Act: the first write fails in the grain's turn; the retries come after 1 s and then 2 s.
        await TestWait.ForAsync(firstRetry, "the first retry's delay");
        var (beforeRetry, pendingBeforeRetry) = ((await host.Jobs.GetAsync(started.JobId))!.Status, retries.Pending);
        var secondRetry = host.Clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(2));
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        await TestWait.ForAsync(secondRetry, "the second retry's delay");
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        var job = await TestWait.ForAsync(waiter, "the job's completion");

        // Assert
        Assert.Equal(PredictionStatus.Started, started.Status);
        Assert.Equal((JobStatus.Processing, 1), (beforeRetry, pendingBeforeRetry));
        Assert.Equal(JobStatus.Completed, job!.Status);
        Assert.Equal(FakeInferenceBackend.AnswerFor("a"), job.Result!.ToString());
    }

    [Fact]
    public async Task Dispose_WithARetryPending_StopsItWithoutWriting()
    {
        // Arrange
        var clock = new TestClock();
        var retries = new JobCompletionRetries(clock, NullLogger<JobCompletionRetries>.Instance);
        var writes = 0;
        var delayStarted = clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(1));
        retries.Schedule(Guid.NewGuid(), _ =>
        {
            Interlocked.Increment(ref writes);
            return Task.CompletedTask;
        });
        await TestWait.ForAsync(delayStarted, "the retry's delay");

        // Act
        await retries.DisposeAsync().AsTask().WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.Equal((0, 0), (writes, retries.Pending));
    }
}

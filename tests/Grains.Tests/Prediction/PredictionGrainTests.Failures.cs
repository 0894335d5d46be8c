using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Prediction;

// Failures: not cached, shared by every waiter, remembered for NegativeTtlSeconds; grace and max-stale.
public sealed partial class PredictionGrainTests
{
    private static Exception ModelDown() => new InferenceFailedException(FakeInferenceBackend.Descriptor, "model down");

    [Fact]
    public async Task GetOrStart_ThousandConcurrentIdenticalMissesToAFailingModel_OneCallOneFailedJobNothingCached()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(yields: true));
        host.Backend!.Failure = ModelDown;

        // Act
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Task.Run(() => host.PredictAsync("stampede"))));
        var waits = outcomes.Select(o => host.WaitForJobAsync(o.JobId)).ToArray();
        host.Backend.Release();
        var jobs = await Task.WhenAll(waits);

        // Assert
        Assert.Equal(1, host.Backend.Calls);
        var jobId = Assert.Single(outcomes.Select(o => o.JobId).Distinct());
        Assert.All(jobs, job => Assert.Equal((jobId, JobStatus.Failed, "model down"), (job.Id, job.Status, job.Error)));
        Assert.Equal(0, host.Statistics.Size);
        Assert.False(await host.StorageHoldsAsync(host.KeyOf("stampede")));
        var retry = await host.PredictAsync("stampede");
        Assert.Equal(PredictionStatus.Started, retry.Status);
        await host.WaitForJobAsync(retry.JobId);
    }

    [Fact]
    public async Task GetOrStart_FailureWithNegativeTtl_IsAnsweredWithoutInferenceUntilItPasses()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:NegativeTtlSeconds", "30"));
        host.Backend!.Failure = ModelDown;
        var first = await host.PredictAsync("text");
        await host.WaitForJobAsync(first.JobId);

        // Act
        host.Clock.Advance(TimeSpan.FromSeconds(29));
        var remembered = await host.PredictAsync("text");
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        await host.WaitForPredictionDeactivationsAsync(1);
        var afterwards = await host.PredictAsync("text");
        await host.Backend.WaitForCallsAsync(2);

        // Assert
        Assert.Equal(PredictionStatus.Failed, remembered.Status);
        Assert.Equal(first.JobId, remembered.JobId);
        Assert.Equal(new PredictionFailure("model down", false), remembered.Failure);
        Assert.Equal(PredictionStatus.Started, afterwards.Status);
        await host.WaitForJobAsync(afterwards.JobId);
        Assert.Equal(2, host.Backend.Calls);
        Assert.Equal(0, host.Statistics.Size);
        Assert.False(await host.StorageHoldsAsync(host.KeyOf("text")));
    }

    [Fact]
    public async Task GetOrStart_TimedOutWithNegativeTtl_RemembersTheTimeout()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:NegativeTtlSeconds", "30"));
        host.Backend!.Failure = () => new InferenceTimeoutException(FakeInferenceBackend.Descriptor, TimeSpan.FromSeconds(5));
        var first = await host.PredictAsync("text");
        var job = await host.WaitForJobAsync(first.JobId);

        // Act
        var remembered = await host.PredictAsync("text");

        // Assert
        Assert.True(job.TimedOut);
        Assert.Equal(PredictionStatus.Failed, remembered.Status);
        Assert.Equal(new PredictionFailure("Inference by model 'fake' timed out after 5 s.", true), remembered.Failure);
        Assert.Equal(1, host.Backend.Calls);
    }

    [Fact]
    public async Task GetOrStart_FailureWithoutNegativeTtl_NextRequestInfersAgain()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));
        host.Backend!.Failure = ModelDown;
        await host.WaitForJobAsync((await host.PredictAsync("text")).JobId);

        // Act
        var again = await host.PredictAsync("text");

        // Assert
        Assert.Equal(PredictionStatus.Started, again.Status);
        Assert.Equal(JobStatus.Failed, (await host.WaitForJobAsync(again.JobId)).Status);
        Assert.Equal(2, host.Backend.Calls);
    }

    [Fact]
    public async Task GetOrStart_NoCacheDuringNegativeTtl_InfersAndASuccessForgetsTheFailure()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:NegativeTtlSeconds", "30"));
        host.Backend!.Failure = ModelDown;
        await host.WaitForJobAsync((await host.PredictAsync("text")).JobId);
        host.Backend.Failure = null;

        // Act
        var refreshed = await host.PredictAsync("text", new CacheDirectives(NoCache: true));
        await host.WaitForJobAsync(refreshed.JobId);
        var after = await host.PredictAsync("text");

        // Assert
        Assert.Equal(PredictionStatus.Started, refreshed.Status);
        Assert.Equal(PredictionStatus.Hit, after.Status);
        Assert.Equal(refreshed.JobId, after.JobId);
    }

    [Fact]
    public async Task Remove_DuringNegativeTtl_ForgetsTheFailure()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:NegativeTtlSeconds", "30"));
        host.Backend!.Failure = ModelDown;
        await host.WaitForJobAsync((await host.PredictAsync("text")).JobId);

        // Act
        var removed = await host.Predictions.RemoveEntryAsync(host.KeyOf("text"));
        var again = await host.PredictAsync("text");

        // Assert
        Assert.False(removed);
        Assert.Equal(PredictionStatus.Started, again.Status);
        await host.WaitForJobAsync(again.JobId);
    }

    [Fact]
    public async Task Ttl_WithGrace_KeepsTheEntryInMemoryAndStorageUntilExpiryPlusGrace()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:TtlSeconds", "10"), ("Cache:GraceSeconds", "20"));
        await host.InsertAsync("text");
        var key = host.KeyOf("text");

        // Act
        host.Clock.Advance(TimeSpan.FromSeconds(15));
        var swept = await host.StorageUpkeep.RunOnceAsync();
        var (activationsInGrace, storedInGrace, expirationsInGrace) = (host.PredictionActivations, await host.StorageHoldsAsync(key), host.Statistics.Expirations);
        host.Clock.Advance(TimeSpan.FromSeconds(15));
        await host.WaitForPredictionDeactivationsAsync(1);

        // Assert
        Assert.Equal((0L, 0L), swept);
        Assert.Equal((1, true, 0L), (activationsInGrace, storedInGrace, expirationsInGrace));
        Assert.Equal(1, host.Statistics.Expirations);
        Assert.False(await host.StorageHoldsAsync(key));
        Assert.Equal(0, host.PredictionActivations);
    }

    [Fact]
    public async Task GetOrStart_ExpiredWithinGraceAndInferenceFails_JobFailsAndTheStaleEntryIsTheFallback()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:TtlSeconds", "10"), ("Cache:GraceSeconds", "60"));
        var original = await host.InsertAsync("text");
        host.Clock.Advance(TimeSpan.FromSeconds(12));
        host.Backend!.Failure = ModelDown;

        // Act
        var miss = await host.PredictAsync("text");
        var failed = await host.WaitForJobAsync(miss.JobId);
        var fallback = await host.Predictions.GetFallbackAsync(miss.Key, "text");

        // Assert
        Assert.Equal(PredictionStatus.Started, miss.Status);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.NotNull(fallback);
        Assert.Equal(original.Id, fallback.JobId);
        Assert.True(fallback.IsStale(host.Clock.GetUtcNow()));
        Assert.Equal(2, host.Backend.Calls);
    }

    [Fact]
    public async Task GetOrStart_ExpiredWithinGraceAndInferenceSucceeds_ReplacesTheEntry()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:TtlSeconds", "10"), ("Cache:GraceSeconds", "60"));
        await host.InsertAsync("text");
        host.Clock.Advance(TimeSpan.FromSeconds(12));

        // Act
        var miss = await host.PredictAsync("text");
        await host.WaitForJobAsync(miss.JobId);
        var hit = await host.PredictAsync("text");

        // Assert
        Assert.Equal(PredictionStatus.Started, miss.Status);
        Assert.Equal((PredictionStatus.Hit, miss.JobId), (hit.Status, hit.JobId));
    }

    [Fact]
    public async Task GetOrStart_NegativeTtlAndAnEntryWithinGrace_ServesTheStaleEntryWithoutInference()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(
            new FakeInferenceBackend(gated: false), ("Cache:TtlSeconds", "10"), ("Cache:GraceSeconds", "60"), ("Cache:NegativeTtlSeconds", "30"));
        var original = await host.InsertAsync("text");
        host.Clock.Advance(TimeSpan.FromSeconds(12));
        host.Backend!.Failure = ModelDown;
        await host.WaitForJobAsync((await host.PredictAsync("text")).JobId);

        // Act
        var stale = await host.PredictAsync("text");

        // Assert
        Assert.Equal((PredictionStatus.Stale, original.Id), (stale.Status, stale.JobId));
        Assert.Equal(2, host.Backend.Calls);
    }

    [Fact]
    public async Task GetOrStart_MaxStale_ServesAnEntryExpiredNoLongerThanItWithinGrace()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:TtlSeconds", "10"), ("Cache:GraceSeconds", "60"));
        var original = await host.InsertAsync("text");
        host.Backend!.Hold();
        host.Clock.Advance(TimeSpan.FromSeconds(15));

        // Act
        var withinLimit = await host.PredictAsync("text", new CacheDirectives(MaxStale: TimeSpan.FromSeconds(5)));
        var anyAmount = await host.PredictAsync("text", new CacheDirectives(MaxStale: TimeSpan.MaxValue));
        var tooOldForMaxAge = await host.PredictAsync("text", new CacheDirectives(MaxAge: TimeSpan.FromSeconds(10), MaxStale: TimeSpan.MaxValue));
        var overLimit = await host.PredictAsync("text", new CacheDirectives(MaxStale: TimeSpan.FromSeconds(4)));

        // Assert
        Assert.Equal((PredictionStatus.Stale, original.Id), (withinLimit.Status, withinLimit.JobId));
        Assert.Equal((PredictionStatus.Stale, original.Id), (anyAmount.Status, anyAmount.JobId));
        Assert.Equal(PredictionStatus.Started, tooOldForMaxAge.Status);
        Assert.Equal((PredictionStatus.Joined, tooOldForMaxAge.JobId), (overLimit.Status, overLimit.JobId));
        await host.Backend.WaitForCallsAsync(2);
        host.Backend.Release();
        Assert.Equal(JobStatus.Completed, (await host.WaitForJobAsync(overLimit.JobId)).Status);
        Assert.Equal(2, host.Backend.Calls);
    }

    [Fact]
    public async Task GetOrStart_MaxStaleWithoutGrace_IsAMiss()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(
            new FakeInferenceBackend(gated: false), ("Cache:TtlSeconds", "10"));
        await host.InsertAsync("text");
        host.Clock.Advance(TimeSpan.FromSeconds(10));

        // Act
        var outcome = await host.PredictAsync("text", new CacheDirectives(MaxStale: TimeSpan.MaxValue));

        // Assert
        Assert.Equal(PredictionStatus.Started, outcome.Status);
        await host.WaitForJobAsync(outcome.JobId);
    }
}

using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Prediction;

public sealed partial class PredictionGrainTests
{
    
    [Fact]
    public async Task GetOrStart_Miss_StartsAJob()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend());

        // Act
        var outcome = await host.PredictAsync("  Great   Movie ");

        // Assert
        Assert.Equal(PredictionStatus.Started, outcome.Status);
        Assert.Equal(host.KeyOf("great movie"), outcome.Key);
        Assert.NotEqual(Guid.Empty, outcome.JobId);
        Assert.Null(outcome.Entry);
        var job = await host.Jobs.GetAsync(outcome.JobId);
        Assert.Equal(
            new JobRecord(
                outcome.JobId, outcome.Key, "fake", "  Great   Movie ", JobStatus.Processing, null, null, host.Clock.GetUtcNow(), null,
                Owner: host.Primary.Address.ToParsableString()),
            job);
        await host.Backend!.WaitForCallsAsync(1);
        Assert.Equal(["great movie"], host.Backend.Inputs);
        Assert.Equal((0L, 1L, 0L, 1L), (host.Statistics.Hits, host.Statistics.Misses, host.Statistics.Coalesced, host.Statistics.Inflight));
    }

    [Fact]
    public async Task GetOrStart_ConcurrentIdenticalMisses_ShareOneJob()
    {
        // Arrange
        const int callers = 1000;
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend());

        // Act: every caller misses while the model holds its one answer.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(() => host.PredictAsync("same text"))));
        var callsWhileHeld = host.Backend!.Calls;
        var (misses, coalesced) = (host.Statistics.Misses, host.Statistics.Coalesced);
        host.Backend.Release();
        var jobId = outcomes[0].JobId;
        var job = await host.WaitForJobAsync(jobId);
        var next = await host.PredictAsync("same text");

        // Assert
        Assert.Equal(1, callsWhileHeld);
        Assert.Single(outcomes, o => o.Status == PredictionStatus.Started);
        Assert.Equal(callers - 1, outcomes.Count(o => o.Status == PredictionStatus.Joined));
        Assert.All(outcomes, o => Assert.Equal(jobId, o.JobId));
        Assert.Equal(1, misses);
        Assert.Equal(callers - 1, coalesced);
        Assert.Equal(1, host.JobCount());
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(FakeInferenceBackend.AnswerFor("same text"), job.Result!.ToString());
        Assert.Equal(PredictionStatus.Hit, next.Status);
        Assert.Equal(jobId, next.JobId);
        Assert.Equal(jobId, next.Entry!.JobId);
        Assert.Equal("same text", next.Entry.NormalizedText);
        Assert.Equal(1, host.Backend.Calls);
        Assert.Equal((1L, 1L, 999L, 1L, 0L), (host.Statistics.Hits, host.Statistics.Misses, host.Statistics.Coalesced, host.Statistics.Inferences, host.Statistics.Inflight));
    }

    [Fact]
    public async Task TryGet_DifferentNormalizedTextUnderTheSameKey_IsAMiss()
    {
        // Arrange: a cached entry, then a probe that (as a hash collision would) reaches its grain with other text.
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));
        await host.InsertAsync("original text");
        var grain = host.GrainOf("original text");

        // Act
        var probe = await grain.TryGetAsync(new CacheProbe("colliding text", null));
        var ticket = await grain.GetOrStartAsync(new PredictionRequest("fake", "colliding text", "colliding text", default));

        // Assert
        Assert.Null(probe);
        Assert.Equal(PredictionStatus.Started, ticket.Status);
        Assert.Null(ticket.Entry);
        var job = await host.WaitForJobAsync(ticket.JobId);
        Assert.Equal(FakeInferenceBackend.AnswerFor("colliding text"), job.Result!.ToString());
        Assert.Equal(0, host.Statistics.Hits);
    }

    [Fact]
    public async Task GetOrStart_DifferentNormalizedTextWhileInferring_DoesNotJoinTheOtherInputsJob()
    {
        // Arrange: an inference in flight for one text, then (as a hash collision would) another text on its key.
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend());
        var grain = host.GrainOf("original text");
        var original = await grain.GetOrStartAsync(new PredictionRequest("fake", "original text", "original text", default));

        // Act
        var colliding = await grain.GetOrStartAsync(new PredictionRequest("fake", "colliding text", "colliding text", default));
        host.Backend!.Release();
        var originalJob = await host.WaitForJobAsync(original.JobId);
        var collidingJob = await host.WaitForJobAsync(colliding.JobId);

        // Assert: each input gets its own answer; the key keeps the entry of the input it belongs to.
        Assert.Equal(PredictionStatus.Started, colliding.Status);
        Assert.NotEqual(original.JobId, colliding.JobId);
        Assert.Equal(FakeInferenceBackend.AnswerFor("original text"), originalJob.Result!.ToString());
        Assert.Equal(FakeInferenceBackend.AnswerFor("colliding text"), collidingJob.Result!.ToString());
        Assert.Equal(0, host.Statistics.Coalesced);
        var hit = await grain.TryGetAsync(new CacheProbe("original text", null));
        Assert.Equal(original.JobId, hit!.JobId);
    }

    [Fact]
    public async Task GetOrStart_ModelNotInTheCatalog_FailsTheCallWithoutAJob()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));
        var unknown = new PredictionCache.Grains.Models.ModelDescriptor("unknown", "1");
        var grain = host.Grains.GetGrain<IPredictionGrain>(KeyBuilder.Build(unknown, "text"));

        // Act: as the front door would send it, had it not known the model either.
        var call = () => grain.GetOrStartAsync(new PredictionRequest("unknown", "text", "text", default));

        // Assert
        await Assert.ThrowsAsync<ArgumentException>(call);
        Assert.Equal(0, host.JobCount());
        Assert.Equal((0L, 0L), (host.Statistics.Misses, host.Statistics.Inflight));
        await host.WaitForPredictionDeactivationsAsync(1);
        Assert.Equal(0, host.PredictionActivations);
    }

    [Fact]
    public async Task GetOrStart_FailedInference_FailsTheJobAndCachesNothing()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend());
        host.Backend!.Failure = () => new InferenceFailedException(FakeInferenceBackend.Descriptor, "model server answered 503");
        var first = await host.PredictAsync("text");

        // Act
        host.Backend.Release();
        var failed = await host.WaitForJobAsync(first.JobId);
        host.Backend.Failure = null;
        var retry = await host.PredictAsync("text");
        var retried = await host.WaitForJobAsync(retry.JobId);
        var afterRetry = await host.PredictAsync("text");

        // Assert
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal("model server answered 503", failed.Error);
        Assert.Null(failed.Result);
        Assert.Equal(PredictionStatus.Started, retry.Status);
        Assert.NotEqual(first.JobId, retry.JobId);
        Assert.Equal(JobStatus.Completed, retried.Status);
        Assert.Equal(PredictionStatus.Hit, afterRetry.Status);
        Assert.Equal(retry.JobId, afterRetry.JobId);
        Assert.Equal(2, host.Backend.Calls);
        Assert.Equal((2L, 2L, 0L), (host.Statistics.Misses, host.Statistics.Inferences, host.Statistics.Inflight));
    }

    [Fact]
    public async Task GetOrStart_QueuedBehindTheTurnThatEmptiesTheGrain_RunsOnANewActivation()
    {
        // Arrange: a failing inference whose job completion holds the grain's turn while the next request queues.
        await using var host = await TestClusters.StartWithGatedJobsAsync(new FakeInferenceBackend());
        host.Backend!.Failure = () => new InferenceFailedException(FakeInferenceBackend.Descriptor, "model down");
        var failing = await host.PredictAsync("text");
        host.GatedJobs().HoldFinishes();
        host.Backend.Release();
        await host.GatedJobs().FinishReached();
        host.Backend.Failure = null;

        // Act: the retry waits behind the turn that fails the job and, having nothing left, deactivates the grain.
        var retryCall = host.PredictAsync("text");
        host.GatedJobs().ReleaseFinishes();
        var retry = await retryCall;
        var retried = await host.WaitForJobAsync(retry.JobId);
        await host.WaitForPredictionDeactivationsAsync(1);

        // Assert: the retry's entry lives in an activation, as every entry the directory counts must.
        Assert.Equal(JobStatus.Failed, (await host.WaitForJobAsync(failing.JobId)).Status);
        Assert.Equal(PredictionStatus.Started, retry.Status);
        Assert.Equal(JobStatus.Completed, retried.Status);
        Assert.Equal(1, host.Statistics.Size);
        Assert.Equal(1, host.PredictionActivations);
        var next = await host.PredictAsync("text");
        Assert.Equal(PredictionStatus.Hit, next.Status);
        Assert.Equal(retry.JobId, next.JobId);
        Assert.Equal(1, host.PredictionDeactivations());
    }
}

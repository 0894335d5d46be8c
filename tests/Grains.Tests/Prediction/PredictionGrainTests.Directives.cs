using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Prediction;

// The client's RFC 9111 request directives and overload.
public sealed partial class PredictionGrainTests
{
    [Fact]
    public async Task GetOrStart_NoStore_ResultIsNotCached()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));

        // Act
        var first = await host.PredictAsync("text", new CacheDirectives(NoStore: true));
        var job = await host.WaitForJobAsync(first.JobId);
        await host.WaitForPredictionDeactivationsAsync(1);
        var second = await host.PredictAsync("text", new CacheDirectives(OnlyIfCached: true));

        // Assert
        Assert.Equal(PredictionStatus.Started, first.Status);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(PredictionStatus.NotCached, second.Status);
        Assert.False(await host.StorageHoldsAsync(first.Key));
        Assert.Equal(0, host.Statistics.Size);
    }

    [Fact]
    public async Task GetOrStart_NoStoreJoinedByAStoringCaller_IsCached()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend());
        var noStore = await host.PredictAsync("text", new CacheDirectives(NoStore: true));

        // Act
        var joined = await host.PredictAsync("text");
        host.Backend!.Release();
        await host.WaitForJobAsync(noStore.JobId);
        var next = await host.PredictAsync("text");

        // Assert
        Assert.Equal(PredictionStatus.Joined, joined.Status);
        Assert.Equal(noStore.JobId, joined.JobId);
        Assert.Equal(PredictionStatus.Hit, next.Status);
        Assert.Equal(noStore.JobId, next.JobId);
    }

    [Fact]
    public async Task GetOrStart_NoCache_InfersAgainAndReplacesTheEntry()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));
        var original = await host.InsertAsync("text");

        // Act
        var refresh = await host.PredictAsync("text", new CacheDirectives(NoCache: true));
        await host.WaitForJobAsync(refresh.JobId);
        var next = await host.PredictAsync("text");

        // Assert
        Assert.Equal(PredictionStatus.Started, refresh.Status);
        Assert.NotEqual(original.Id, refresh.JobId);
        Assert.Equal(PredictionStatus.Hit, next.Status);
        Assert.Equal(refresh.JobId, next.JobId);
        Assert.Equal(2, host.Backend!.Calls);
        Assert.Equal(1, host.Statistics.Size);
    }

    [Fact]
    public async Task GetOrStart_MaxAge_EntryOlderThanItIsAMiss()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));
        var original = await host.InsertAsync("text");
        host.Clock.Advance(TimeSpan.FromSeconds(5));

        // Act
        var exactlyAsOld = await host.PredictAsync("text", new CacheDirectives(MaxAge: TimeSpan.FromSeconds(5)));
        var tooOld = await host.PredictAsync("text", new CacheDirectives(MaxAge: TimeSpan.FromSeconds(4)));
        await host.WaitForJobAsync(tooOld.JobId);
        var afterRefresh = await host.PredictAsync("text", new CacheDirectives(MaxAge: TimeSpan.FromSeconds(4)));

        // Assert
        Assert.Equal(PredictionStatus.Hit, exactlyAsOld.Status);
        Assert.Equal(original.Id, exactlyAsOld.JobId);
        Assert.Equal(PredictionStatus.Started, tooOld.Status);
        Assert.Equal(PredictionStatus.Hit, afterRefresh.Status);
        Assert.Equal(tooOld.JobId, afterRefresh.JobId);
        Assert.Equal(host.Clock.GetUtcNow(), afterRefresh.Entry!.CreatedAt);
    }

    [Fact]
    public async Task GetOrStart_OnlyIfCachedAndNothingCached_NotCachedWithoutAJob()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));

        // Act
        var outcome = await host.PredictAsync("text", new CacheDirectives(OnlyIfCached: true));
        await host.WaitForPredictionDeactivationsAsync(1);

        // Assert
        Assert.Equal(PredictionStatus.NotCached, outcome.Status);
        Assert.Equal(Guid.Empty, outcome.JobId);
        Assert.Equal(0, host.JobCount());
        Assert.Equal(0, host.Backend!.Calls);
        Assert.Equal((0L, 0L, 0L), (host.Statistics.Hits, host.Statistics.Misses, host.Statistics.Inflight));
        Assert.Equal(0, host.PredictionActivations);
    }

    [Fact]
    public async Task GetOrStart_OnlyIfCachedWhileInferring_NotCachedWithoutJoining()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend());
        var started = await host.PredictAsync("text");

        // Act
        var outcome = await host.PredictAsync("text", new CacheDirectives(OnlyIfCached: true));
        host.Backend!.Release();
        await host.WaitForJobAsync(started.JobId);
        var cached = await host.PredictAsync("text", new CacheDirectives(OnlyIfCached: true));

        // Assert
        Assert.Equal(PredictionStatus.NotCached, outcome.Status);
        Assert.Equal(Guid.Empty, outcome.JobId);
        Assert.Equal(0, host.Statistics.Coalesced);
        Assert.Equal(PredictionStatus.Hit, cached.Status);
        Assert.Equal(started.JobId, cached.JobId);
    }

    [Fact]
    public async Task GetOrStart_QueueFull_OverloadedWithoutAJob()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(
            new FakeInferenceBackend(), ("Inference:MaxConcurrency", "1"), ("Inference:MaxQueueLength", "0"));
        var running = await host.PredictAsync("first");

        // Act
        var refused = await host.PredictAsync("second");
        await host.WaitForPredictionDeactivationsAsync(1);
        host.Backend!.Release();
        await host.WaitForJobAsync(running.JobId);
        var afterwards = await host.PredictAsync("second");

        // Assert
        Assert.Equal(PredictionStatus.Started, running.Status);
        Assert.Equal(PredictionStatus.Overloaded, refused.Status);
        Assert.Equal(Guid.Empty, refused.JobId);
        Assert.Equal(PredictionStatus.Started, afterwards.Status);
        await host.WaitForJobAsync(afterwards.JobId);
        Assert.Equal(2, host.JobCount());
        Assert.Equal(2, host.Statistics.Misses);
    }
}

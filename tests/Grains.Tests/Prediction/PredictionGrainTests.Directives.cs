using PredictionCache.Grains.Caching;
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
        await using var host = await CacheHost.StartAsync(new FakeInferenceBackend(gated: false));

        // Act
        var first = await host.PredictAsync("text", new CacheDirectives(NoStore: true));
        var job = await host.WaitForJobAsync(first.JobId);
        await host.Activity.WaitForDeactivationsAsync(Prediction, 1);
        var second = await host.PredictAsync("text", new CacheDirectives(OnlyIfCached: true));

        // Assert
        Assert.Equal(PredictOutcomeKind.Started, first.Kind);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(PredictOutcomeKind.NotCached, second.Kind);
        Assert.False(await host.StorageHoldsAsync(first.Key));
        Assert.Equal(0, host.Statistics.Size);
    }

    [Fact]
    public async Task GetOrStart_NoStoreJoinedByAStoringCaller_IsCached()
    {
        // Arrange
        await using var host = await CacheHost.StartAsync(new FakeInferenceBackend());
        var noStore = await host.PredictAsync("text", new CacheDirectives(NoStore: true));

        // Act
        var joined = await host.PredictAsync("text");
        host.Backend!.Release();
        await host.WaitForJobAsync(noStore.JobId);
        var next = await host.PredictAsync("text");

        // Assert
        Assert.Equal(PredictOutcomeKind.Joined, joined.Kind);
        Assert.Equal(noStore.JobId, joined.JobId);
        Assert.Equal(PredictOutcomeKind.Hit, next.Kind);
        Assert.Equal(noStore.JobId, next.JobId);
    }

    [Fact]
    public async Task GetOrStart_NoCache_InfersAgainAndReplacesTheEntry()
    {
        // Arrange
        await using var host = await CacheHost.StartAsync(new FakeInferenceBackend(gated: false));
        var original = await host.InsertAsync("text");

        // Act
        var refresh = await host.PredictAsync("text", new CacheDirectives(NoCache: true));
        await host.WaitForJobAsync(refresh.JobId);
        var next = await host.PredictAsync("text");

        // Assert
        Assert.Equal(PredictOutcomeKind.Started, refresh.Kind);
        Assert.NotEqual(original.Id, refresh.JobId);
        Assert.Equal(PredictOutcomeKind.Hit, next.Kind);
        Assert.Equal(refresh.JobId, next.JobId);
        Assert.Equal(2, host.Backend!.Calls);
        Assert.Equal(1, host.Statistics.Size);
    }

    [Fact]
    public async Task GetOrStart_MaxAge_EntryOlderThanItIsAMiss()
    {
        // Arrange
        await using var host = await CacheHost.StartAsync(new FakeInferenceBackend(gated: false));
        var original = await host.InsertAsync("text");
        host.Clock.Advance(TimeSpan.FromSeconds(5));

        // Act
        var exactlyAsOld = await host.PredictAsync("text", new CacheDirectives(MaxAge: TimeSpan.FromSeconds(5)));
        var tooOld = await host.PredictAsync("text", new CacheDirectives(MaxAge: TimeSpan.FromSeconds(4)));
        await host.WaitForJobAsync(tooOld.JobId);
        var afterRefresh = await host.PredictAsync("text", new CacheDirectives(MaxAge: TimeSpan.FromSeconds(4)));

        // Assert
        Assert.Equal(PredictOutcomeKind.Hit, exactlyAsOld.Kind);
        Assert.Equal(original.Id, exactlyAsOld.JobId);
        Assert.Equal(PredictOutcomeKind.Started, tooOld.Kind);
        Assert.Equal(PredictOutcomeKind.Hit, afterRefresh.Kind);
        Assert.Equal(tooOld.JobId, afterRefresh.JobId);
        Assert.Equal(host.Clock.GetUtcNow(), afterRefresh.Entry!.CreatedAt);
    }

    [Fact]
    public async Task GetOrStart_OnlyIfCachedAndNothingCached_NotCachedWithoutAJob()
    {
        // Arrange
        await using var host = await CacheHost.StartAsync(new FakeInferenceBackend(gated: false));

        // Act
        var outcome = await host.PredictAsync("text", new CacheDirectives(OnlyIfCached: true));
        await host.Activity.WaitForDeactivationsAsync(Prediction, 1);

        // Assert
        Assert.Equal(PredictOutcomeKind.NotCached, outcome.Kind);
        Assert.Equal(Guid.Empty, outcome.JobId);
        Assert.Equal(0, host.JobCount);
        Assert.Equal(0, host.Backend!.Calls);
        Assert.Equal((0L, 0L, 0L), (host.Statistics.Hits, host.Statistics.Misses, host.Statistics.Inflight));
        Assert.Equal(0, host.PredictionActivations);
    }

    [Fact]
    public async Task GetOrStart_OnlyIfCachedWhileInferring_NotCachedWithoutJoining()
    {
        // Arrange
        await using var host = await CacheHost.StartAsync(new FakeInferenceBackend());
        var started = await host.PredictAsync("text");

        // Act
        var outcome = await host.PredictAsync("text", new CacheDirectives(OnlyIfCached: true));
        host.Backend!.Release();
        await host.WaitForJobAsync(started.JobId);
        var cached = await host.PredictAsync("text", new CacheDirectives(OnlyIfCached: true));

        // Assert
        Assert.Equal(PredictOutcomeKind.NotCached, outcome.Kind);
        Assert.Equal(Guid.Empty, outcome.JobId);
        Assert.Equal(0, host.Statistics.Coalesced);
        Assert.Equal(PredictOutcomeKind.Hit, cached.Kind);
        Assert.Equal(started.JobId, cached.JobId);
    }

    [Fact]
    public async Task GetOrStart_QueueFull_OverloadedWithoutAJob()
    {
        // Arrange
        await using var host = await CacheHost.StartAsync(
            new FakeInferenceBackend(), ("Inference:MaxConcurrency", "1"), ("Inference:MaxQueueLength", "0"));
        var running = await host.PredictAsync("first");

        // Act
        var refused = await host.PredictAsync("second");
        await host.Activity.WaitForDeactivationsAsync(Prediction, 1);
        host.Backend!.Release();
        await host.WaitForJobAsync(running.JobId);
        var afterwards = await host.PredictAsync("second");

        // Assert
        Assert.Equal(PredictOutcomeKind.Started, running.Kind);
        Assert.Equal(PredictOutcomeKind.Overloaded, refused.Kind);
        Assert.Equal(Guid.Empty, refused.JobId);
        Assert.Equal(PredictOutcomeKind.Started, afterwards.Kind);
        Assert.Equal(2, host.JobCount);
        Assert.Equal(2, host.Statistics.Misses);
    }
}

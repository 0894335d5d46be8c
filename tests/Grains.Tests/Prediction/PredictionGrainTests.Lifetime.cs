using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Prediction;

// TTL expiry (timer and lazy check) and removal.
public sealed partial class PredictionGrainTests
{
    [Fact]
    public async Task Ttl_Elapsed_RemovesTheEntryAndDeactivates()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:TtlSeconds", "10"));
        var job = await host.InsertAsync("text");
        var key = host.KeyOf("text");
        host.Clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(50));
        var beforeTtl = await host.PredictAsync("text");

        // Act
        host.Clock.Advance(TimeSpan.FromMilliseconds(50));
        await host.WaitForPredictionDeactivationsAsync(1);

        // Assert
        Assert.Equal(PredictionStatus.Hit, beforeTtl.Status);
        Assert.Equal(job.Id, beforeTtl.JobId);
        Assert.Equal(1, host.Statistics.Expirations);
        Assert.Equal(0, host.Statistics.Size);
        Assert.Equal(0, host.PredictionActivations);
        Assert.False(await host.StorageHoldsAsync(key));
        var afterTtl = await host.PredictAsync("text");
        Assert.Equal(PredictionStatus.Started, afterTtl.Status);
        Assert.NotEqual(job.Id, afterTtl.JobId);
        await host.WaitForJobAsync(afterTtl.JobId);
    }

    [Fact]
    public async Task TryGet_AtExactlyExpiresAt_IsAMissBeforeTheTimerFires()
    {
        // Arrange: a grace, so the TTL timer (at expiry plus grace) fires well after the entry's expiry.
        await using var host = await CacheCluster.StartAsync(
            new FakeInferenceBackend(gated: false), ("Cache:TtlSeconds", "10"), ("Cache:GraceSeconds", "50"));
        var job = await host.InsertAsync("text");
        var grain = host.GrainOf("text");
        host.Clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        var justBefore = await grain.TryGetAsync(new CacheProbe("text", null));
        var publishedJustBefore = await host.PredictAsync("text");

        // Act
        host.Clock.Advance(TimeSpan.FromTicks(1));
        var atExpiry = await grain.TryGetAsync(new CacheProbe("text", null));
        var onlyIfCached = await host.PredictAsync("text", new CacheDirectives(OnlyIfCached: true));
        var (expirationsBeforeTimer, activationsBeforeTimer) = (host.Statistics.Expirations, host.PredictionActivations);
        host.Clock.Advance(TimeSpan.FromSeconds(50));
        await host.WaitForPredictionDeactivationsAsync(1);

        // Assert: the published entry (the front door's hit path) checks the expiry as the grain does.
        Assert.Equal(job.Id, justBefore!.JobId);
        Assert.Equal((PredictionStatus.Hit, job.Id), (publishedJustBefore.Status, publishedJustBefore.JobId));
        Assert.Null(atExpiry);
        Assert.Equal(PredictionStatus.NotCached, onlyIfCached.Status);
        Assert.Equal((0L, 1), (expirationsBeforeTimer, activationsBeforeTimer));
        Assert.Equal(1, host.Statistics.Expirations);
        Assert.Equal(0, host.PredictionActivations);
    }

    [Fact]
    public async Task Remove_CachedEntry_RemovesItFromMemoryAndStorage()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));
        await host.InsertAsync("text");
        var key = host.KeyOf("text");

        // Act
        var removed = await host.Predictions.RemoveEntryAsync(key);
        await host.WaitForPredictionDeactivationsAsync(1);
        var removedAgain = await host.Predictions.RemoveEntryAsync(key);

        // Assert
        Assert.True(removed);
        Assert.False(removedAgain);
        Assert.Equal(0, host.Statistics.Size);
        Assert.False(await host.StorageHoldsAsync(key));
        Assert.Equal(PredictionStatus.NotCached, (await host.PredictAsync("text", new CacheDirectives(OnlyIfCached: true))).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-key")]
    [InlineData("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef")]
    public async Task Remove_MalformedKey_IsFalseWithoutActivatingAGrain(string key)
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));

        // Act
        var removed = await host.Predictions.RemoveEntryAsync(key);

        // Assert
        Assert.False(removed);
        Assert.Equal(0, host.PredictionActivations);
    }

    [Fact]
    public async Task Remove_UnknownKey_IsFalse()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));

        // Act
        var removed = await host.Predictions.RemoveEntryAsync(KeyBuilder.Build(host.Model, "never cached"));
        await host.WaitForPredictionDeactivationsAsync(1);

        // Assert
        Assert.False(removed);
        Assert.Equal(0, host.PredictionActivations);
    }

    [Fact]
    public async Task Stop_WhileACompletionIsStoring_DoesNotWaitOnTheStoppedDirectory()
    {
        // Arrange: the directory shard is active (b registered); a's completion is held at its storage write.
        var host = await TestClusters.StartWithGatedStorageAsync(new FakeInferenceBackend(gated: false));
        await host.InsertAsync("b");
        host.GatedStorage().HoldWrites();
        var started = await host.PredictAsync("a");
        await host.GatedStorage().WriteReached();

        // Act: the silo stops; its idle shard deactivates while a's turn waits; then a's write goes on and its turn
        // registers a with the directory of a stopping silo.
        var stopping = host.DisposeAsync().AsTask();
        await host.Primary.Activity.WaitForDeactivationsAsync("predictioncache.directory", 1);
        host.GatedStorage().ReleaseWrites();

        // Assert: the stop finishes within the hang guard (the directory call gives up once the silo is stopping).
        await stopping;
        Assert.Equal(PredictionStatus.Started, started.Status);
    }
}

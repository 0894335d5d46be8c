using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.Silo.Storage;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Storage;

/// <summary>
/// The cache on a real database (each test its own): activations are level 1, rows level 2. Eviction keeps the row,
/// a restart keeps entries and jobs, clearing, removal, expiry and the upkeep pass delete rows. Run by a derived
/// class per provider. Most tests hold one entry in memory (<c>Cache:MaxEntries</c> 1), so a second insert evicts
/// the first.
/// </summary>
public abstract class DurableCacheTests
{
    
    private static readonly (string Key, string Value)[] OneInMemory = [("Cache:MaxEntries", "1"), ("Cache:DirectoryShards", "1")];

    /// <summary>An upkeep interval no test reaches: only the passes a test runs itself touch the rows.</summary>
    private static readonly (string Key, string Value) NoTimedUpkeep = ("Storage:MaintenanceIntervalSeconds", "3600");

    /// <summary>The <c>Storage:Provider</c> under test.</summary>
    protected abstract string Provider { get; }

    [Fact]
    public async Task Predict_EvictedEntry_IsAStorageHitWithoutInferenceThenAMemoryHit()
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(Provider);
        await using var host = await TestClusters.StartOnAsync(database, new FakeInferenceBackend(gated: false), [.. OneInMemory, NoTimedUpkeep]);
        var job = await host.InsertAsync("a");
        await host.InsertAsync("b");
        await host.WaitForPredictionDeactivationsAsync(1);
        var evicted = !host.Primary.IsActive("a");

        // Act
        var fromStorage = await host.PredictAsync("a");
        var fromMemory = await host.PredictAsync("a");
        var stats = await host.Predictions.GetStatsAsync();

        // Assert
        Assert.True(evicted);
        Assert.Equal((PredictionStatus.Hit, job.Id), (fromStorage.Status, fromStorage.JobId));
        Assert.Equal((PredictionStatus.Hit, job.Id), (fromMemory.Status, fromMemory.JobId));
        Assert.Equal(FakeInferenceBackend.AnswerFor("a"), fromStorage.Entry!.Result!.ToString());
        Assert.Equal(2, host.Backend!.Calls);
        Assert.Equal((2L, 1L, 1L, 2L, 2L), (stats.Hits, stats.HitsL1, stats.HitsL2, stats.Misses, stats.Inferences));
    }

    [Fact]
    public async Task Restart_SameDatabase_ServesEntriesAndJobsAndFailsTheInterruptedJob()
    {
        // Arrange: one entry stored, and a job still processing when the host stops.
        await using var database = await TestDatabase.CreateAsync(Provider);
        var first = await TestClusters.StartOnAsync(database, new FakeInferenceBackend(gated: false), NoTimedUpkeep);
        var finished = await first.InsertAsync("a");
        first.Backend!.Hold();
        var interrupted = await first.PredictAsync("b");
        await first.Backend.WaitForCallsAsync(2);
        await first.DisposeAsync();

        // Act
        await using var second = await TestClusters.RestartOnAsync(database, first, new FakeInferenceBackend(gated: false), NoTimedUpkeep);
        var hit = await second.PredictAsync("a");
        var finishedJob = await second.Jobs.GetAsync(finished.Id);
        var interruptedJob = await second.Jobs.GetAsync(interrupted.JobId);
        var retried = await second.PredictAsync("b");

        // Assert
        Assert.Equal((PredictionStatus.Hit, finished.Id), (hit.Status, hit.JobId));
        Assert.Equal(FakeInferenceBackend.AnswerFor("a"), hit.Entry!.Result!.ToString());
        Assert.Equal(1L, second.Statistics.StorageHits);
        Assert.NotNull(finishedJob);
        Assert.Equal(finished with { Result = null }, finishedJob with { Result = null });
        Assert.Equal(finished.Result!.ToString(), finishedJob.Result!.ToString());
        Assert.Equal(PredictionStatus.Started, interrupted.Status);
        Assert.Equal(
            new JobRecord(
                interrupted.JobId, second.KeyOf("b"), "fake", "b", JobStatus.Failed, null, SqlJobStore.InterruptedError, first.Clock.GetUtcNow(), first.Clock.GetUtcNow(),
                Owner: first.Primary.Address.ToParsableString()),
            interruptedJob);
        Assert.Equal(PredictionStatus.Started, retried.Status);
        Assert.Equal(JobStatus.Completed, (await second.WaitForJobAsync(retried.JobId)).Status);
        Assert.Equal(1, second.Backend!.Calls);
    }

    [Fact]
    public async Task Restart_EntryExpiredWithinGrace_IsKeptInStorageAndServedToMaxStaleUntilTheGracePasses()
    {
        // Arrange
        (string, string)[] settings = [("Cache:TtlSeconds", "10"), ("Cache:GraceSeconds", "20"), NoTimedUpkeep];
        await using var database = await TestDatabase.CreateAsync(Provider);
        var first = await TestClusters.StartOnAsync(database, new FakeInferenceBackend(gated: false), settings);
        var stored = await first.InsertAsync("a");
        await first.InsertAsync("b");
        await first.DisposeAsync();
        first.Clock.Advance(TimeSpan.FromSeconds(15));

        // Act
        await using var second = await TestClusters.StartOnAsync(database, new FakeInferenceBackend(gated: false), first.Clock, settings);
        var inGrace = await second.StorageUpkeep.RunOnceAsync();
        var stale = await second.PredictAsync("a", new CacheDirectives(MaxStale: TimeSpan.MaxValue));
        var bStoredInGrace = await second.StorageHoldsAsync(second.KeyOf("b"));
        second.Clock.Advance(TimeSpan.FromSeconds(15));
        await second.StorageUpkeep.RunOnceAsync();

        // Assert
        Assert.Equal((0L, 0L), inGrace);
        Assert.Equal((PredictionStatus.Stale, stored.Id), (stale.Status, stale.JobId));
        Assert.True(bStoredInGrace);
        Assert.False(await second.StorageHoldsAsync(second.KeyOf("b")));
        Assert.Equal(0, second.Backend!.Calls);
    }

    [Fact]
    public async Task Clear_EntriesInMemoryAndOnlyInStorage_RemovesBothLevels()
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(Provider);
        await using var host = await TestClusters.StartOnAsync(database, new FakeInferenceBackend(gated: false), [.. OneInMemory, NoTimedUpkeep]);
        await host.InsertAsync("a");
        await host.InsertAsync("b");
        await host.WaitForPredictionDeactivationsAsync(1);

        // Act
        var stats = await host.Predictions.ClearAsync();
        await host.WaitUntilAsync(() => host.PredictionActivations == 0, "every prediction grain to deactivate");

        // Assert
        Assert.Equal((0L, 0L), (stats.Size, stats.StoredEntries));
        Assert.Equal(0, await host.CountStoredRowsAsync());
        Assert.Equal(PredictionStatus.NotCached, (await host.PredictAsync("a", new CacheDirectives(OnlyIfCached: true))).Status);
        var inferredAgain = await host.PredictAsync("b");
        Assert.Equal(PredictionStatus.Started, inferredAgain.Status);
        await host.WaitForJobAsync(inferredAgain.JobId);
    }

    [Fact]
    public async Task Remove_EvictedKey_RemovesItsRow()
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(Provider);
        await using var host = await TestClusters.StartOnAsync(database, new FakeInferenceBackend(gated: false), [.. OneInMemory, NoTimedUpkeep]);
        await host.InsertAsync("a");
        await host.InsertAsync("b");
        await host.WaitForPredictionDeactivationsAsync(1);
        var key = host.KeyOf("a");

        // Act
        var removed = await host.Predictions.RemoveEntryAsync(key);

        // Assert
        Assert.True(removed);
        Assert.False(await host.StorageHoldsAsync(key));
        Assert.True(await host.StorageHoldsAsync(host.KeyOf("b")));
        Assert.Equal(1L, (await host.Predictions.GetStatsAsync()).StoredEntries);
        Assert.Equal(PredictionStatus.NotCached, (await host.PredictAsync("a", new CacheDirectives(OnlyIfCached: true))).Status);
        Assert.Equal(2, host.Backend!.Calls);
    }

    [Fact]
    public async Task Predict_StoredRowExpiredWhileEvicted_IsAMissAndDeletesTheRow()
    {
        // Arrange: "a" expires at 10 s, evicted at 5 s by "b" (which expires at 15 s).
        await using var database = await TestDatabase.CreateAsync(Provider);
        await using var host = await TestClusters.StartOnAsync(database, new FakeInferenceBackend(gated: false), [.. OneInMemory, NoTimedUpkeep, ("Cache:TtlSeconds", "10")]);
        await host.InsertAsync("a");
        host.Clock.Advance(TimeSpan.FromSeconds(5));
        await host.InsertAsync("b");
        await host.WaitForPredictionDeactivationsAsync(1);
        host.Clock.Advance(TimeSpan.FromSeconds(5));

        // Act
        var outcome = await host.PredictAsync("a", new CacheDirectives(OnlyIfCached: true));

        // Assert
        Assert.Equal(PredictionStatus.NotCached, outcome.Status);
        Assert.False(await host.StorageHoldsAsync(host.KeyOf("a")));
        Assert.True(await host.StorageHoldsAsync(host.KeyOf("b")));
        Assert.Equal((1L, 0L), (host.Statistics.Expirations, host.Statistics.Hits));
        Assert.Equal(1L, (await host.Predictions.GetStatsAsync()).StoredEntries);
    }

    [Fact]
    public async Task RunOnce_ExpiredRows_AreDeleted()
    {
        // Arrange: "a" expires at 10 s while evicted; "b", in memory, expires at 15 s.
        await using var database = await TestDatabase.CreateAsync(Provider);
        await using var host = await TestClusters.StartOnAsync(database, new FakeInferenceBackend(gated: false), [.. OneInMemory, NoTimedUpkeep, ("Cache:TtlSeconds", "10")]);
        await host.InsertAsync("a");
        host.Clock.Advance(TimeSpan.FromSeconds(5));
        await host.InsertAsync("b");
        await host.WaitForPredictionDeactivationsAsync(1);
        host.Clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        var early = await host.StorageUpkeep.RunOnceAsync();
        host.Clock.Advance(TimeSpan.FromMilliseconds(1));

        // Act
        var pass = await host.StorageUpkeep.RunOnceAsync();

        // Assert
        Assert.Equal((0L, 0L), early);
        Assert.Equal((1L, 0L), pass);
        Assert.False(await host.StorageHoldsAsync(host.KeyOf("a")));
        Assert.True(await host.StorageHoldsAsync(host.KeyOf("b")));
        Assert.Equal(1, await host.CountStoredRowsAsync());
    }

    [Fact]
    public async Task RunOnce_OverStorageMaxEntries_TrimsTheLeastRecentlyAccessed()
    {
        // Arrange: "a" stored first, then "b"; a hit on "a" (recorded by the directory, written by a pass) makes
        // "b" the least recently used when "c" brings the table over its two rows.
        await using var database = await TestDatabase.CreateAsync(Provider);
        await using var host = await TestClusters.StartOnAsync(database, new FakeInferenceBackend(gated: false), [.. OneInMemory, NoTimedUpkeep, ("Storage:MaxEntries", "2")]);
        await host.InsertAsync("a");
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        var afterA = await host.StorageUpkeep.RunOnceAsync();
        await host.InsertAsync("b");
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        var afterB = await host.StorageUpkeep.RunOnceAsync();
        var hit = await host.PredictAsync("a");
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        var afterHit = await host.StorageUpkeep.RunOnceAsync();
        await host.InsertAsync("c");
        host.Clock.Advance(TimeSpan.FromSeconds(1));

        // Act
        var pass = await host.StorageUpkeep.RunOnceAsync();

        // Assert
        Assert.Equal(PredictionStatus.Hit, hit.Status);
        Assert.Equal([(0L, 0L), (0L, 0L), (0L, 0L)], [afterA, afterB, afterHit]);
        Assert.Equal((0L, 1L), pass);
        Assert.True(await host.StorageHoldsAsync(host.KeyOf("a")));
        Assert.False(await host.StorageHoldsAsync(host.KeyOf("b")));
        Assert.True(await host.StorageHoldsAsync(host.KeyOf("c")));
        Assert.Equal((2L, 2L), ((await host.Predictions.GetStatsAsync()).StoredEntries, (await host.Predictions.GetStatsAsync()).MaxStoredEntries));
    }

    [Fact]
    public async Task GetStats_EntriesInMemoryAndOnlyInStorage_CountsEveryStoredRow()
    {
        // Arrange
        await using var database = await TestDatabase.CreateAsync(Provider);
        await using var host = await TestClusters.StartOnAsync(database, new FakeInferenceBackend(gated: false), [.. OneInMemory, NoTimedUpkeep]);
        foreach (var text in new[] { "a", "b", "c" })
        {
            await host.InsertAsync(text);
        }

        await host.WaitForPredictionDeactivationsAsync(2);
        var beforeRemoval = await host.Predictions.GetStatsAsync();
        await host.Predictions.RemoveEntryAsync(host.KeyOf("a"));

        // Act
        var stats = await host.Predictions.GetStatsAsync();

        // Assert
        Assert.Equal((1L, 3L), (beforeRemoval.Size, beforeRemoval.StoredEntries));
        Assert.Equal(2L, stats.StoredEntries);
        Assert.Equal(2, await host.CountStoredRowsAsync());
    }
}

using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Caching;

/// <summary>
/// The front door on a cluster of two silos: a key has one activation cluster-wide, reached from either silo; each
/// silo's directory bounds its own activations; a clear through one silo reaches every silo.
/// </summary>
public sealed class PredictionServiceClusterTests
{
    private const string Directory = "predictioncache.directory";

    [Fact]
    public async Task Predict_KeyActiveOnAnotherSilo_IsAHitThroughARemoteGrainCall()
    {
        // Arrange: x's grain lives on B (placed there by the request through B).
        var backend = new FakeInferenceBackend(gated: false);
        await using var host = await TestClusters.StartSilosAsync(2, backend);
        var (a, b) = (host.Silos[0], host.Silos[1]);
        var job = await b.InsertAsync("x");
        var key = b.KeyOf("x");

        // Act
        var hit = await a.PredictAsync("x");

        // Assert: A has nothing published for x, so the hit came from B's activation, and no second inference ran.
        Assert.Equal((true, false), (b.IsActive("x"), a.IsActive("x")));
        Assert.Equal((PredictionStatus.Hit, job.Id), (hit.Status, hit.JobId));
        Assert.Equal(FakeInferenceBackend.AnswerFor("x"), hit.Entry!.Result!.ToString());
        Assert.False(a.IsPublished("x"));
        Assert.True(b.IsPublished("x"));
        Assert.Equal(1, backend.Calls);
        Assert.Equal((0L, 0L), (a.Statistics.Hits, a.Statistics.Misses));
        Assert.Equal((1L, 1L), (b.Statistics.Hits, b.Statistics.Misses));
    }

    [Fact]
    public async Task Remove_ThroughOneSilo_WithdrawsTheEntryHeldOnAnother()
    {
        // Arrange: x's grain lives on B and has published its entry there.
        var backend = new FakeInferenceBackend(gated: false);
        await using var host = await TestClusters.StartSilosAsync(2, backend);
        var (a, b) = (host.Silos[0], host.Silos[1]);
        await b.InsertAsync("x");
        var key = b.KeyOf("x");
        var publishedBefore = b.IsPublished("x");

        // Act
        var removed = await a.Predictions.RemoveEntryAsync(key);

        // Assert: withdrawn from B's table before the removal returned; nothing left to serve through either silo.
        Assert.Equal((true, true), (publishedBefore, removed));
        Assert.False(b.IsPublished("x"));
        Assert.False(await b.StorageHoldsAsync(key));
        foreach (var silo in host.Silos)
        {
            Assert.Equal(PredictionStatus.NotCached, (await silo.PredictAsync("x", new CacheDirectives(OnlyIfCached: true))).Status);
        }
    }

    [Fact]
    public async Task Register_EachSilosDirectory_BoundsItsOwnActivations()
    {
        // Arrange: room for two entries per silo; three keys placed on each silo.
        var backend = new FakeInferenceBackend(gated: false);
        await using var host = await TestClusters.StartSilosAsync(2, backend, ("Cache:MaxEntries", "2"));
        var (a, b) = (host.Silos[0], host.Silos[1]);

        // Act
        foreach (var text in new[] { "a1", "a2", "a3" })
        {
            await a.InsertAsync(text);
        }

        foreach (var text in new[] { "b1", "b2", "b3" })
        {
            await b.InsertAsync(text);
        }

        await a.Activity.WaitForDeactivationsAsync(TestClusters.Prediction, 1);
        await b.Activity.WaitForDeactivationsAsync(TestClusters.Prediction, 1);

        // Assert: each silo evicted its own least recent key and holds two; four entries in memory cluster-wide.
        Assert.Equal((1L, 2L), (a.Statistics.Evictions, a.Statistics.Size));
        Assert.Equal((1L, 2L), (b.Statistics.Evictions, b.Statistics.Size));
        Assert.Equal([a.KeyOf("a3"), a.KeyOf("a2")], await a.Shard(0).GetKeysAsync());
        Assert.Equal([b.KeyOf("b3"), b.KeyOf("b2")], await b.Shard(0).GetKeysAsync());
        Assert.Equal((2, 2), (a.PredictionActivations, b.PredictionActivations));
        Assert.Equal((false, true, true), (a.IsActive("a1"), a.IsActive("a2"), a.IsActive("a3")));
        Assert.Equal((false, true, true), (b.IsActive("b1"), b.IsActive("b2"), b.IsActive("b3")));

        // Each silo's shard is an activation on that silo.
        Assert.True(a.Activity.IsActive(Directory, a.Shard(0).GetPrimaryKeyString()));
        Assert.True(b.Activity.IsActive(Directory, b.Shard(0).GetPrimaryKeyString()));
        Assert.False(a.Activity.IsActive(Directory, b.Shard(0).GetPrimaryKeyString()));
    }

    [Fact]
    public async Task Clear_ThroughOneSilo_RemovesTheEntriesHeldOnEverySilo()
    {
        // Arrange: one SQLite database shared by both silos (one level 2, as PostgreSQL is for a real cluster); a on A,
        // b on B, each published on its own silo.
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var options = new CacheClusterOptions { Silos = 2 };
        options.Backends.Add(new FakeInferenceBackend(gated: false));
        foreach (var (key, value) in database.Settings)
        {
            options.Settings[key] = value;
        }

        await using var host = await CacheCluster.StartAsync(options);
        var (a, b) = (host.Silos[0], host.Silos[1]);
        await a.InsertAsync("a");
        await b.InsertAsync("b");
        await a.PredictAsync("a");
        await b.PredictAsync("b");
        var publishedBefore = (a.Entries.Count, b.Entries.Count);

        // Act
        var stats = await TestWait.ForAsync(a.Predictions.ClearAsync(), "the clear");
        var publishedAfter = (a.Entries.Count, b.Entries.Count);
        await a.Activity.WaitForDeactivationsAsync(TestClusters.Prediction, 1);
        await b.Activity.WaitForDeactivationsAsync(TestClusters.Prediction, 1);

        // Assert: both published tables were emptied before the clear returned; counters restarted on both silos.
        Assert.Equal((1, 1), publishedBefore);
        Assert.Equal((0, 0), publishedAfter);
        Assert.Equal((0L, 0L, 0L), (stats.Size, stats.Hits, stats.StoredEntries));
        Assert.Equal((0L, 0L, 0L), (b.Statistics.Size, b.Statistics.Hits, b.Statistics.Misses));
        Assert.Equal((0, 0), (a.PredictionActivations, b.PredictionActivations));
        Assert.Equal(0, await a.CountStoredRowsAsync());
        foreach (var silo in host.Silos)
        {
            foreach (var text in new[] { "a", "b" })
            {
                Assert.Equal(PredictionStatus.NotCached, (await silo.PredictAsync(text, new CacheDirectives(OnlyIfCached: true))).Status);
            }
        }
    }

    [Fact]
    public async Task Predict_ThousandConcurrentIdenticalMissesThroughBothSilos_OneInferenceOneJob()
    {
        // Arrange: the model holds its one answer until every caller has its outcome.
        const int callers = 1000;
        var backend = new FakeInferenceBackend();
        await using var host = await TestClusters.StartSilosAsync(2, backend);

        // Act: half the callers come through each silo, each asking to place the grain on its own silo.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, callers).Select(i => Task.Run(() => host.Silos[i % 2].PredictAsync("same text"))));
        await backend.WaitForCallsAsync(1);
        var callsWhileHeld = backend.Calls;
        backend.Release();
        var jobId = outcomes[0].JobId;
        var owner = host.Silos.Single(s => s.IsActive("same text"));
        var job = await owner.WaitForJobAsync(jobId);
        var hits = await Task.WhenAll(host.Silos.Select(s => s.PredictAsync("same text")));

        // Assert
        Assert.Equal(1, callsWhileHeld);
        Assert.Single(outcomes, o => o.Status == PredictionStatus.Started);
        Assert.Equal(callers - 1, outcomes.Count(o => o.Status == PredictionStatus.Joined));
        Assert.All(outcomes, o => Assert.Equal(jobId, o.JobId));
        Assert.Equal(1, host.Silos.Sum(s => ((MemoryJobStore)s.Jobs).Count));
        Assert.Equal((1L, callers - 1L), (owner.Statistics.Misses, owner.Statistics.Coalesced));
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.All(hits, h => Assert.Equal((PredictionStatus.Hit, jobId), (h.Status, h.JobId)));
        Assert.Equal(1, backend.Calls);
    }
}

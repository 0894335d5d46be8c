using System.Collections.Concurrent;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Caching;

public sealed class PredictionServiceTests
{
    
    [Fact]
    public async Task Clear_WithEntriesAndAnInferenceInFlight_EmptiesTheCacheAndTheInferenceDoesNotStore()
    {
        // Arrange: a and b cached (a hit once), c inferring.
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:DirectoryShards", "2"));
        await host.InsertAsync("a");
        await host.InsertAsync("b");
        await host.PredictAsync("a");
        host.Backend!.Hold();
        var inflight = await host.PredictAsync("c");
        await host.Backend.WaitForCallsAsync(3);

        // Act
        var stats = await TestWait.ForAsync(host.Predictions.ClearAsync(), "the clear");
        await host.WaitForPredictionDeactivationsAsync(2);
        var (activationsAfterClear, inflightActive) = (host.PredictionActivations, host.Primary.IsActive("c"));
        host.Backend.Release();
        var job = await host.WaitForJobAsync(inflight.JobId);
        await host.WaitUntilAsync(() => host.PredictionActivations == 0, "every prediction grain to deactivate");

        // Assert: counters reset, in-flight and size are live values; a and b were dropped, c's grain waits for its
        // inference (activations are counted cluster-wide, Orleans' own grains included).
        Assert.Equal(
            new CacheStatsSnapshot(0, 10_000, 3600, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1_000_000, stats.Nodes),
            stats with { MemoryMb = 0, Activations = 0 });
        Assert.Equal(host.Primary.Address.ToParsableString(), Assert.Single(stats.Nodes).Address);
        Assert.Equal(1, activationsAfterClear);
        Assert.True(inflightActive);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(FakeInferenceBackend.AnswerFor("c"), job.Result!.ToString());
        foreach (var text in new[] { "a", "b", "c" })
        {
            Assert.False(await host.StorageHoldsAsync(host.KeyOf(text)), text);
            Assert.Equal(PredictionStatus.NotCached, (await host.PredictAsync(text, new CacheDirectives(OnlyIfCached: true))).Status);
        }

        Assert.Equal((0L, 0L, 1L), (host.Statistics.Size, host.Statistics.Inflight, host.Statistics.Inferences));
    }

    [Fact]
    public async Task Clear_WhileAnEvictedEntryIsReadBack_TheEntryDoesNotComeBack()
    {
        // Arrange: a is stored, then evicted from memory by b; a request for a has read a's row but not yet used it.
        await using var host = await TestClusters.StartWithGatedStorageAsync(
            new FakeInferenceBackend(gated: false), ("Cache:MaxEntries", "1"), ("Cache:DirectoryShards", "1"));
        await host.InsertAsync("a");
        await host.InsertAsync("b");
        await host.WaitUntilAsync(() => !host.Primary.IsActive("a"), "a's eviction");
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        host.GatedStorage().HoldReads();
        var request = host.PredictAsync("a");
        await host.GatedStorage().ReadReached();

        // Act: the clear deletes a's row under the read, and ends before the grain goes on.
        await host.Predictions.ClearAsync();
        host.GatedStorage().ReleaseReads();
        var outcome = await request;
        await host.WaitForJobAsync(outcome.JobId);

        // Assert: a is inferred again, not served from before the clear.
        Assert.Equal(PredictionStatus.Started, outcome.Status);
        Assert.Equal(3, host.Backend!.Calls);
        Assert.Equal(0, host.Statistics.StorageHits);
    }

    [Fact]
    public async Task Clear_WhileAnEntryIsBeingStored_TheEntryDoesNotSurviveIt()
    {
        // Arrange: the inference is done and its grain has decided to store the entry, but the write is held.
        await using var host = await TestClusters.StartWithGatedStorageAsync(new FakeInferenceBackend(gated: false));
        host.GatedStorage().HoldWrites();
        var started = await host.PredictAsync("a");
        await host.GatedStorage().WriteReached();

        // Act
        await host.Predictions.ClearAsync();
        host.GatedStorage().ReleaseWrites();
        var job = await host.WaitForJobAsync(started.JobId);

        // Assert: the job has its answer; the cache holds nothing from before the clear.
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(0, host.Statistics.Size);
        Assert.False(await host.StorageHoldsAsync(started.Key));
        Assert.Equal(PredictionStatus.NotCached, (await host.PredictAsync("a", new CacheDirectives(OnlyIfCached: true))).Status);
        await host.WaitUntilAsync(() => host.PredictionActivations == 0, "every prediction grain to deactivate");
    }

    [Fact]
    public async Task Clear_Empty_ReturnsZeroedStats()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));

        // Act
        var stats = await host.Predictions.ClearAsync();

        // Assert
        Assert.Equal((0L, 0L, 0L, 0.0), (stats.Size, stats.Hits, stats.Misses, stats.HitRatio));
    }

    [Fact]
    public async Task Clear_AfterClear_CacheFillsAgain()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));
        await host.InsertAsync("a");
        await host.Predictions.ClearAsync();

        // Act
        var job = await host.InsertAsync("a");
        var hit = await host.PredictAsync("a");

        // Assert
        Assert.Equal(PredictionStatus.Hit, hit.Status);
        Assert.Equal(job.Id, hit.JobId);
        Assert.Equal((1L, 1L, 1L), (host.Statistics.Size, host.Statistics.Hits, host.Statistics.Misses));
    }

    [Fact]
    public async Task GetStats_AfterTraffic_ReportsCountersAndRatio()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(), ("Cache:MaxEntries", "50"), ("Cache:TtlSeconds", "60"));
        var started = await host.PredictAsync("a");
        await host.PredictAsync("a");
        host.Backend!.Release();
        await host.WaitForJobAsync(started.JobId);
        await host.PredictAsync("a");
        await host.PredictAsync("a");

        // Act
        var stats = await host.Predictions.GetStatsAsync();

        // Assert: 2 hits of 4 requests (1 miss, 1 coalesced).
        Assert.Equal((1L, 50, 60, 2L, 1L, 0.5, 1L, 1L, 0L), (stats.Size, stats.MaxSize, stats.TtlSeconds, stats.Hits, stats.Misses, stats.HitRatio, stats.Coalesced, stats.Inferences, stats.Inflight));
        // Cluster-wide, Orleans' own grains included: at least a's grain and its directory shard.
        Assert.InRange(stats.Activations, 2, int.MaxValue);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Predict_ManyCallersMixingEveryOperation_LeavesNoJobUnfinishedAndConsistentCounters(bool modelYields)
    {
        // Arrange: few keys, a small cache over two shards, a short TTL on a clock one caller moves, a fast model
        // (answering inside the miss's turn, or on another thread).
        const int callers = 8;
        const int iterations = 1000;
        await using var host = await CacheCluster.StartAsync(
            new FakeInferenceBackend(gated: false, yields: modelYields), ("Cache:MaxEntries", "4"), ("Cache:DirectoryShards", "2"), ("Cache:TtlSeconds", "5"));
        var texts = Enumerable.Range(0, 6).Select(i => $"Text  {i}").ToArray();
        var jobs = new ConcurrentDictionary<Guid, string>();

        // Act
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller);
            for (var i = 0; i < iterations; i++)
            {
                var text = texts[random.Next(texts.Length)];
                var roll = random.Next(100);
                if (roll < 10)
                {
                    await host.Predictions.RemoveEntryAsync(host.KeyOf(text));
                    continue;
                }

                if (roll < 12)
                {
                    await host.Predictions.ClearAsync();
                    continue;
                }

                if (roll < 15 && caller == 0)
                {
                    host.Clock.Advance(TimeSpan.FromSeconds(1));
                    continue;
                }

                var directives = roll switch
                {
                    < 25 => new CacheDirectives(NoCache: true),
                    < 30 => new CacheDirectives(NoStore: true),
                    < 40 => new CacheDirectives(OnlyIfCached: true),
                    < 45 => new CacheDirectives(MaxAge: TimeSpan.FromSeconds(1)),
                    _ => default,
                };
                var outcome = await host.PredictAsync(text, directives);
                Assert.NotEqual(PredictionStatus.Overloaded, outcome.Status);
                Assert.Equal(outcome.Status == PredictionStatus.NotCached, outcome.JobId == Guid.Empty);
                if (outcome.Status == PredictionStatus.Hit)
                {
                    Assert.Equal(TextNormalizer.Normalize(text), outcome.Entry!.NormalizedText);
                    Assert.Equal(FakeInferenceBackend.AnswerFor(outcome.Entry.NormalizedText), outcome.Entry.Result!.ToString());
                }

                if (outcome.JobId != Guid.Empty)
                {
                    jobs.TryAdd(outcome.JobId, text);
                }
            }
        })));

        // Assert: every job any caller was told about exists, finished, and answers its own input.
        Assert.NotEmpty(jobs);
        foreach (var (id, text) in jobs)
        {
            var job = await host.WaitForJobAsync(id);
            Assert.Equal(JobStatus.Completed, job.Status);
            Assert.Equal(host.KeyOf(text), job.Key);
            Assert.Equal(FakeInferenceBackend.AnswerFor(TextNormalizer.Normalize(text)!), job.Result!.ToString());
        }

        Assert.Equal(0, host.Statistics.Inflight);
        var counts = await Task.WhenAll(host.Primary.Directory.Shards.Select(async s => (await s.GetKeysAsync()).Count));
        Assert.Equal(counts.Sum(), host.Statistics.Size);
        Assert.All(counts, c => Assert.InRange(c, 0, 2));

        // Once idle, exactly the grains holding an entry are active, each stored and counted by the directory; entries
        // evicted from memory stay stored.
        await host.WaitUntilAsync(() => host.PredictionActivations == host.Statistics.Size, "only the grains holding an entry to stay active");
        var active = texts.Where(t => host.Primary.IsActive(t)).ToArray();
        Assert.Equal(host.Statistics.Size, active.Length);
        foreach (var text in active)
        {
            Assert.True(await host.StorageHoldsAsync(host.KeyOf(text)), text);
        }

        // After a clear nothing is left anywhere.
        await host.Predictions.ClearAsync();
        await host.WaitUntilAsync(() => host.PredictionActivations == 0, "every prediction grain to deactivate");
        Assert.Equal(0, host.Statistics.Size);
        foreach (var text in texts)
        {
            Assert.False(await host.StorageHoldsAsync(host.KeyOf(text)), text);
        }
    }
}

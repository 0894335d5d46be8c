using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Directory;

public sealed class CacheDirectoryGrainTests
{
    
    [Fact]
    public async Task Register_TenEntriesWithRoomForThree_KeepsTheThreeMostRecent()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(
            new FakeInferenceBackend(gated: false), ("Cache:MaxEntries", "3"), ("Cache:DirectoryShards", "1"));
        var texts = Enumerable.Range(0, 10).Select(i => "text " + i).ToArray();

        // Act
        foreach (var text in texts)
        {
            await host.InsertAsync(text);
        }

        await host.WaitForPredictionDeactivationsAsync(7);

        // Assert
        Assert.Equal(3, host.Statistics.Size);
        Assert.Equal(7, host.Statistics.Evictions);
        Assert.Equal([.. host.KeysOf(texts[7..].Reverse())], await host.Primary.Shard(0).GetKeysAsync());
        Assert.Equal(3, host.PredictionActivations);
        Assert.Equal(7, host.PredictionDeactivations());
        Assert.Equal(texts[7..], InMemory(host, texts));

        // Evicted from memory only: every entry is still in storage (level 2).
        Assert.Equal(texts, await StoredAsync(host, texts));
    }

    [Fact]
    public async Task Register_AfterANoCacheRefresh_TheRefreshedEntrySurvives()
    {
        // Arrange: a, b, c cached in that order, then a is inferred again with no-cache.
        await using var host = await CacheCluster.StartAsync(
            new FakeInferenceBackend(gated: false), ("Cache:MaxEntries", "3"), ("Cache:DirectoryShards", "1"));
        string[] texts = ["a", "b", "c", "d"];
        await host.InsertAsync("a");
        await host.InsertAsync("b");
        await host.InsertAsync("c");
        var refresh = await host.PredictAsync("a", new CacheDirectives(NoCache: true));
        await host.WaitForJobAsync(refresh.JobId);

        // Act
        await host.InsertAsync("d");
        await host.WaitForPredictionDeactivationsAsync(1);

        // Assert: the refresh was a use, so b is the least recently used.
        Assert.Equal(PredictionStatus.Started, refresh.Status);
        Assert.Equal(["a", "c", "d"], InMemory(host, texts));
        Assert.Equal([.. host.KeysOf(["d", "a", "c"])], await host.Primary.Shard(0).GetKeysAsync());
    }

    [Fact]
    public async Task Register_AfterAHit_TheTouchedEntrySurvives()
    {
        // Arrange: a, b, c cached in that order, then a hit on a.
        await using var host = await CacheCluster.StartAsync(
            new FakeInferenceBackend(gated: false), ("Cache:MaxEntries", "3"), ("Cache:DirectoryShards", "1"));
        string[] texts = ["a", "b", "c", "d", "e"];
        await host.InsertAsync("a");
        await host.InsertAsync("b");
        await host.InsertAsync("c");
        Assert.Equal(PredictionStatus.Hit, (await host.PredictAsync("a")).Status);

        // Act: the touch is only buffered; registering d must apply it before it picks b, not a.
        await host.InsertAsync("d");
        await host.WaitForPredictionDeactivationsAsync(1);
        var afterD = InMemory(host, texts);
        await host.InsertAsync("e");
        await host.WaitForPredictionDeactivationsAsync(2);

        // Assert: after d the order is d, a, c; e then evicts c.
        Assert.Equal(["a", "c", "d"], afterD);
        Assert.Equal([.. host.KeysOf(["e", "d", "a"])], await host.Primary.Shard(0).GetKeysAsync());
        Assert.Equal(["a", "d", "e"], InMemory(host, texts));
        Assert.Equal(texts, await StoredAsync(host, texts));
        Assert.Equal(2, host.Statistics.Evictions);
    }

    [Fact]
    public async Task Register_SeveralShards_NoShardHoldsMoreThanItsRoundedUpShare()
    {
        // Arrange: 10 entries over 4 shards is at most 3 a shard, 12 in all.
        await using var host = await CacheCluster.StartAsync(
            new FakeInferenceBackend(gated: false), ("Cache:MaxEntries", "10"), ("Cache:DirectoryShards", "4"));
        var shards = Enumerable.Range(0, 4).Select(host.Primary.Shard).ToArray();

        for (var i = 0; i < 60; i++)
        {
            // Act
            await host.InsertAsync("text " + i);

            // Assert
            var counts = await Task.WhenAll(shards.Select(CountAsync));
            Assert.All(counts, c => Assert.InRange(c, 0, 3));
            Assert.Equal(counts.Sum(), host.Statistics.Size);
            Assert.InRange(host.Statistics.Size, 0, 12);
            Assert.Equal(i + 1, host.Statistics.Size + host.Statistics.Evictions);
        }
    }

    [Theory]
    [InlineData(1, 20)]
    [InlineData(4, 20)]
    public async Task Register_ConcurrentInserts_SizeAndEvictionsAddUpExactly(int shardCount, int maxEntries)
    {
        // Arrange
        const int writers = 8;
        const int perWriter = 25;
        await using var host = await CacheCluster.StartAsync(
            new FakeInferenceBackend(gated: false),
            ("Cache:MaxEntries", maxEntries.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Cache:DirectoryShards", shardCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var capacity = (int)Math.Ceiling(maxEntries / (double)shardCount) * shardCount;

        // Act
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                await host.InsertAsync($"writer {w} text {i}");
            }
        })));
        var size = host.Statistics.Size;
        var evictions = host.Statistics.Evictions;
        await host.WaitForPredictionDeactivationsAsync((int)evictions);

        // Assert
        Assert.Equal(writers * perWriter, size + evictions);
        Assert.InRange(size, 1, capacity);
        if (shardCount == 1)
        {
            Assert.Equal(maxEntries, size);
        }

        var counts = await Task.WhenAll(Enumerable.Range(0, shardCount).Select(i => CountAsync(host.Primary.Shard(i))));
        Assert.Equal(size, counts.Sum());
        Assert.Equal(size, host.PredictionActivations);
        Assert.Equal((int)evictions, host.PredictionDeactivations());
    }

    [Fact]
    public async Task Unregister_RegisteredKey_ShrinksSizeOnce()
    {
        // Arrange: the directory used directly, with keys no prediction grain holds.
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:DirectoryShards", "1"));
        var shard = host.Primary.Shard(0);
        await shard.RegisterAsync("k1");
        await shard.RegisterAsync("k2");
        await shard.RegisterAsync("k1");

        // Act
        await shard.UnregisterAsync("k1");
        await shard.UnregisterAsync("k1");
        await shard.UnregisterAsync("never registered");

        // Assert
        Assert.Equal(["k2"], await shard.GetKeysAsync());
        Assert.Equal(1, host.Statistics.Size);
    }

    [Fact]
    public async Task Clear_RegisteredKeys_ReturnsThemAndEmptiesTheShard()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:DirectoryShards", "1"));
        var shard = host.Primary.Shard(0);
        await shard.RegisterAsync("k1");
        await shard.RegisterAsync("k2");

        // Act
        var keys = await shard.ClearAsync();

        // Assert
        Assert.Equal(["k1", "k2"], keys.Order(StringComparer.Ordinal));
        Assert.Empty(await shard.GetKeysAsync());
        Assert.Equal(0, host.Statistics.Size);
    }

    private static async Task<int> CountAsync(ICacheDirectoryGrain shard) => (await shard.GetKeysAsync()).Count;

    /// <summary>Which of <paramref name="texts"/> have a stored entry (looked up without touching or activating anything).</summary>
    private static async Task<string[]> StoredAsync(CacheCluster host, string[] texts)
    {
        var stored = new List<string>();
        foreach (var text in texts)
        {
            if (await host.StorageHoldsAsync(host.KeyOf(text)))
            {
                stored.Add(text);
            }
        }

        return [.. stored];
    }

    /// <summary>The texts whose grain is in memory (level 1), in the order given.</summary>
    private static string[] InMemory(CacheCluster host, string[] texts) =>
        texts.Where(host.Primary.IsActive).ToArray();
}

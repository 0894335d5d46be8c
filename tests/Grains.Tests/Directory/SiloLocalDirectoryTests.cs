using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Keys;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Directory;

public sealed class SiloLocalDirectoryTests
{
    [Fact]
    public async Task Touch_SameKeyTwiceBeforeADrain_BuffersItOnce()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:DirectoryShards", "1"));
        var shards = host.Services.GetRequiredService<SiloLocalDirectory>();
        var buffer = shards.BufferOf(0);
        buffer.Drain(static _ => { });
        var touchedEpoch = -1;

        // Act
        shards.Touch(0, "key", ref touchedEpoch);
        shards.Touch(0, "key", ref touchedEpoch);
        var pendingBeforeDrain = buffer.Pending;
        var drained = new List<string>();
        buffer.Drain(drained.Add);
        shards.Touch(0, "key", ref touchedEpoch);

        // Assert
        Assert.Equal(1, pendingBeforeDrain);
        Assert.Equal(["key"], drained);
        Assert.Equal(1, buffer.Pending);
    }

    [Fact]
    public async Task ShardOf_CacheKey_IsKeyBuildersShard()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:DirectoryShards", "7"));
        var shards = host.Services.GetRequiredService<SiloLocalDirectory>();
        var keys = Enumerable.Range(0, 100).Select(i => host.KeyOf("text " + i)).ToArray();

        // Act
        var byShards = keys.Select(shards.ShardOf).ToArray();

        // Assert
        Assert.Equal(keys.Select(k => KeyBuilder.ShardOf(k, 7)), byShards);
        Assert.Equal(7, byShards.Distinct().Count());
    }
}

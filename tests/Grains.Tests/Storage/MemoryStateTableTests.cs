using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Storage;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Storage;

/// <summary>The memory provider's upkeep of <c>cache_entries</c>, as the cache's clear and upkeep pass use it.</summary>
public sealed class MemoryStateTableTests
{
    [Fact]
    public async Task Clear_ConcurrentClears_RemoveEveryRowExactlyOnceAndNeverThrow()
    {
        // Arrange: clears running at once, as concurrent DELETE /cache calls run them.
        const int rounds = 1500;
        const int rows = 200;
        const int clears = 8;
        await using var host = await CacheCluster.StartAsync(new CacheClusterOptions());
        var table = host.Services.GetRequiredService<IGrainStateTable<CacheEntry>>();
        long removed = 0;

        // Act
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < rows; i++)
            {
                var state = new EntryState();
                await host.Storage.WriteStateAsync("entry", GrainId.Create(TestClusters.Prediction, $"k{round}-{i}"), state);
            }

            var counts = await Task.WhenAll(Enumerable.Range(0, clears).Select(_ => Task.Run(() => table.ClearAsync())));
            removed += counts.Sum();
        }

        // Assert
        Assert.Equal(rounds * rows, removed);
        Assert.Equal(0, await table.CountAsync());
    }

    private sealed class EntryState : IGrainState<CacheEntry>
    {
        public CacheEntry? State { get; set; } = new();

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }
}

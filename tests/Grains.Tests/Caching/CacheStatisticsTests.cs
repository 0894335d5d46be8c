using PredictionCache.Grains.Caching;

namespace PredictionCache.Grains.Tests.Caching;

public sealed class CacheStatisticsTests
{
    [Fact]
    public void Counters_New_AreZero()
    {
        // Arrange
        var statistics = new CacheStatistics();

        // Act + Assert
        Assert.Equal(
            (0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L),
            (statistics.Hits, statistics.Misses, statistics.Coalesced, statistics.Inferences, statistics.Inflight,
             statistics.Evictions, statistics.Expirations, statistics.Size));
    }

    [Fact]
    public async Task Counters_ConcurrentUpdates_TotalsAreExact()
    {
        // Arrange
        const int callers = 8;
        const int perCaller = 20_000;
        var statistics = new CacheStatistics();

        // Act
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < perCaller; i++)
            {
                statistics.Hit();
                statistics.Hit();
                statistics.Miss();
                statistics.Coalesce();
                statistics.InferenceStarted();
                statistics.InferenceStarted();
                statistics.InferenceFinished();
                statistics.InferenceWithdrawn();
                statistics.Evicted();
                statistics.Expired();
                statistics.SizeChanged(3);
                statistics.SizeChanged(-1);
            }
        })));

        // Assert
        const long total = callers * perCaller;
        Assert.Equal(2 * total, statistics.Hits);
        Assert.Equal(total, statistics.Misses);
        Assert.Equal(total, statistics.Coalesced);
        Assert.Equal(total, statistics.Inferences);
        Assert.Equal(0, statistics.Inflight);
        Assert.Equal(total, statistics.Evictions);
        Assert.Equal(total, statistics.Expirations);
        Assert.Equal(2 * total, statistics.Size);
    }

    [Fact]
    public void InferenceLifecycle_TracksInflightAndFinished()
    {
        // Arrange
        var statistics = new CacheStatistics();

        // Act
        statistics.InferenceStarted();
        statistics.InferenceStarted();
        statistics.InferenceStarted();
        statistics.InferenceFinished();
        statistics.InferenceWithdrawn();

        // Assert
        Assert.Equal(1, statistics.Inflight);
        Assert.Equal(1, statistics.Inferences);
    }

    [Fact]
    public void Reset_ZeroesRequestCountersAndKeepsLiveValues()
    {
        // Arrange
        var statistics = new CacheStatistics();
        statistics.Hit();
        statistics.Miss();
        statistics.Coalesce();
        statistics.InferenceStarted();
        statistics.InferenceStarted();
        statistics.InferenceFinished();
        statistics.Evicted();
        statistics.Expired();
        statistics.SizeChanged(5);

        // Act
        statistics.Reset();

        // Assert
        Assert.Equal((0L, 0L, 0L, 0L, 0L, 0L), (statistics.Hits, statistics.Misses, statistics.Coalesced, statistics.Inferences, statistics.Evictions, statistics.Expirations));
        Assert.Equal(1, statistics.Inflight);
        Assert.Equal(5, statistics.Size);
    }
}

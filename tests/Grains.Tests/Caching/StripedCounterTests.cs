using PredictionCache.Grains.Caching;

namespace PredictionCache.Grains.Tests.Caching;

public sealed class StripedCounterTests
{
    [Fact]
    public void Value_New_IsZero()
    {
        // Arrange
        var counter = new StripedCounter();

        // Act + Assert
        Assert.Equal(0, counter.Value);
    }

    [Fact]
    public void Increment_SingleThread_CountsEachCall()
    {
        // Arrange
        var counter = new StripedCounter();

        // Act
        for (var i = 0; i < 1000; i++)
        {
            counter.Increment();
        }

        // Assert
        Assert.Equal(1000, counter.Value);
    }

    [Fact]
    public async Task Increment_ConcurrentCallers_TotalIsExact()
    {
        // Arrange
        const int callers = 8;
        const int perCaller = 50_000;
        var counter = new StripedCounter();

        // Act
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < perCaller; i++)
            {
                counter.Increment();
            }
        })));

        // Assert
        Assert.Equal(callers * perCaller, counter.Value);
    }

    [Fact]
    public void Reset_AfterIncrements_IsZeroAndCountsAgain()
    {
        // Arrange
        var counter = new StripedCounter();
        Parallel.For(0, 10_000, _ => counter.Increment());

        // Act
        counter.Reset();
        counter.Increment();

        // Assert
        Assert.Equal(1, counter.Value);
    }
}

using PredictionCache.Grains.Models;

namespace PredictionCache.Grains.Tests.Latency;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentile_NothingRecorded_IsZero()
    {
        var histogram = new LatencyHistogram();

        Assert.Equal(0, histogram.PercentileMs(0.5));
    }

    [Fact]
    public void Percentiles_HundredLatencies_AreWithinOneBucketOfTheTruth()
    {
        var histogram = new LatencyHistogram();
        for (var ms = 1; ms <= 100; ms++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(ms));
        }

        // Buckets are 12.5% wide: each percentile is the upper bound of the bucket holding the true value.
        Assert.InRange(histogram.PercentileMs(0.50), 50, 50 * 1.125);
        Assert.InRange(histogram.PercentileMs(0.90), 90, 90 * 1.125);
        Assert.InRange(histogram.PercentileMs(0.99), 99, 99 * 1.125);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(15UL)]
    [InlineData(16UL)]
    [InlineData(1_000UL)]
    [InlineData(123_456_789UL)]
    [InlineData(ulong.MaxValue)]
    public void IndexOf_Value_FallsUnderItsBucketsUpperBound(ulong micros)
    {
        var index = LatencyHistogram.IndexOf(micros);

        Assert.True(micros < LatencyHistogram.UpperBoundMicros(index) || index == LatencyHistogram.IndexOf(ulong.MaxValue));
        Assert.True(index == 0 || micros >= LatencyHistogram.UpperBoundMicros(index - 1));
    }

    [Fact]
    public void Record_ConcurrentWriters_LoseNothing()
    {
        var histogram = new LatencyHistogram();

        Parallel.For(0, 10_000, i => histogram.Record(TimeSpan.FromMilliseconds(2)));

        Assert.Equal(LatencyHistogram.UpperBoundMicros(LatencyHistogram.IndexOf(2000)) / 1000.0, histogram.PercentileMs(1.0));
    }
}

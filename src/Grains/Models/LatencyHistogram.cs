using System.Numerics;

namespace PredictionCache.Grains.Models;

/// <summary>
/// Inference latencies in log-linear buckets (8 per power of two of microseconds, so a percentile is within 12.5%),
/// recorded with one interlocked increment and no lock; percentiles read a snapshot of the buckets.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearBuckets = 16;
    private const int SubBuckets = 8;
    private const int MaxExponent = 40;
    private readonly long[] _buckets = new long[LinearBuckets + ((MaxExponent - 3) * SubBuckets)];

    public void Record(TimeSpan latency)
    {
        var micros = (ulong)Math.Max(0, latency.Ticks / (TimeSpan.TicksPerMillisecond / 1000));
        Interlocked.Increment(ref _buckets[IndexOf(micros)]);
    }

    /// <summary>The latency in milliseconds at or under which <paramref name="quantile"/> of the recorded ones fall; 0 when none are.</summary>
    public double PercentileMs(double quantile)
    {
        var counts = new long[_buckets.Length];
        long total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _buckets[i]);
            total += counts[i];
        }

        if (total == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Math.Round(UpperBoundMicros(i) / 1000.0, 3);
            }
        }

        return Math.Round(UpperBoundMicros(counts.Length - 1) / 1000.0, 3);
    }

    public void Reset()
    {
        for (var i = 0; i < _buckets.Length; i++)
        {
            Volatile.Write(ref _buckets[i], 0);
        }
    }

    internal static int IndexOf(ulong micros)
    {
        if (micros < LinearBuckets)
        {
            return (int)micros;
        }

        var exponent = Math.Min(BitOperations.Log2(micros), MaxExponent);
        if (exponent == MaxExponent)
        {
            return LinearBuckets + ((MaxExponent - 4) * SubBuckets) + SubBuckets - 1;
        }

        var sub = (int)((micros >> (exponent - 3)) & (SubBuckets - 1));
        return LinearBuckets + ((exponent - 4) * SubBuckets) + sub;
    }

    internal static ulong UpperBoundMicros(int index)
    {
        if (index < LinearBuckets)
        {
            return (ulong)index + 1;
        }

        var exponent = ((index - LinearBuckets) / SubBuckets) + 4;
        var sub = (index - LinearBuckets) % SubBuckets;
        return (ulong)(SubBuckets + sub + 1) << (exponent - 3);
    }
}

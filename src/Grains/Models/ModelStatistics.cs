using PredictionCache.Grains.Caching;

namespace PredictionCache.Grains.Models;

/// <summary>One model's counters: hits on a striped counter (the hit path runs on every core), the rest per miss.</summary>
public sealed class ModelStatistics
{
    private readonly StripedCounter _hits = new();
    private readonly LatencyHistogram _latency = new();
    private long _misses;
    private long _coalesced;
    private long _inferences;
    private long _failures;

    internal void Hit() => _hits.Increment();

    internal void Miss() => Interlocked.Increment(ref _misses);

    internal void Coalesce() => Interlocked.Increment(ref _coalesced);

    internal void InferenceSucceeded(TimeSpan latency)
    {
        Interlocked.Increment(ref _inferences);
        _latency.Record(latency);
    }

    internal void InferenceFailed(TimeSpan latency)
    {
        Interlocked.Increment(ref _inferences);
        Interlocked.Increment(ref _failures);
        _latency.Record(latency);
    }

    /// <summary>The figures now.</summary>
    public ModelStatsSnapshot Snapshot() => new(
        Hits: _hits.Value,
        Misses: Interlocked.Read(ref _misses),
        Coalesced: Interlocked.Read(ref _coalesced),
        Inferences: Interlocked.Read(ref _inferences),
        Failures: Interlocked.Read(ref _failures),
        LatencyP50Ms: _latency.PercentileMs(0.50),
        LatencyP90Ms: _latency.PercentileMs(0.90),
        LatencyP99Ms: _latency.PercentileMs(0.99));
}

/// <summary>A model's counters at one moment.</summary>
/// <param name="Hits">Requests answered from the cache.</param>
/// <param name="Misses">Requests that started an inference.</param>
/// <param name="Coalesced">Requests that joined an inference in flight.</param>
/// <param name="Inferences">Inferences finished, succeeded or failed.</param>
/// <param name="Failures">Inferences that failed or timed out.</param>
/// <param name="LatencyP50Ms">Median inference latency in milliseconds (bucket upper bound, within 12.5%).</param>
/// <param name="LatencyP90Ms">90th percentile inference latency in milliseconds.</param>
/// <param name="LatencyP99Ms">99th percentile inference latency in milliseconds.</param>
public sealed record ModelStatsSnapshot(
    long Hits, long Misses, long Coalesced, long Inferences, long Failures, double LatencyP50Ms, double LatencyP90Ms, double LatencyP99Ms);

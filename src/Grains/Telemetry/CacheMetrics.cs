using System.Diagnostics.Metrics;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.Grains.Telemetry;

/// <summary>
/// The cache's instruments, on the meter <see cref="MeterName"/>. Request counters and gauges are observable: they
/// read <see cref="CacheStatistics"/> (striped on the hit path) and the directory's published counts when a listener
/// collects, so a hit costs no instrument call. Figures that need storage (stored entries, jobs by status) are the
/// last ones counted: <see cref="PredictionService.RefreshGaugesAsync"/> counts them again.
/// Counters restart from zero when the cache is cleared (a counter reset, as after a restart).
/// </summary>
public sealed class CacheMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "PredictionCache";

    /// <summary>Bucket bounds of the inference-duration histogram, in seconds: 100 µs to 60 s.</summary>
    public static readonly IReadOnlyList<double> InferenceDurationBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Histogram<double> _inferenceDuration;
    private readonly Counter<long> _inferenceFailures;
    private long _storedEntries;
    private JobStatusCounts? _jobs;

    internal CacheMetrics(IMeterFactory meterFactory, CacheStatistics statistics, SiloLocalDirectory directory)
    {
        Meter = meterFactory.Create(MeterName);
        Meter.CreateObservableCounter(
            "predictioncache.cache.hits",
            () => new[]
            {
                new Measurement<long>(statistics.MemoryHits, new KeyValuePair<string, object?>("cache.level", "l1")),
                new Measurement<long>(statistics.StorageHits, new KeyValuePair<string, object?>("cache.level", "l2")),
            },
            "{request}",
            "Requests answered from the cache, by level: l1 (an activation in memory) or l2 (storage).");
        Meter.CreateObservableCounter("predictioncache.cache.misses", () => statistics.Misses, "{request}", "Requests that started an inference.");
        Meter.CreateObservableCounter("predictioncache.cache.coalesced", () => statistics.Coalesced, "{request}", "Requests that joined an inference in flight.");
        Meter.CreateObservableCounter("predictioncache.cache.evictions", () => statistics.Evictions, "{entry}", "Entries evicted from memory to hold Cache:MaxEntries.");
        Meter.CreateObservableCounter("predictioncache.cache.expirations", () => statistics.Expirations, "{entry}", "Entries whose TTL ran out.");
        Meter.CreateObservableCounter("predictioncache.inference.completed", () => statistics.Inferences, "{inference}", "Inferences finished (completed or failed).");
        Meter.CreateObservableGauge(
            "predictioncache.cache.entries",
            () => new[]
            {
                new Measurement<long>(statistics.Size, new KeyValuePair<string, object?>("cache.level", "l1")),
                new Measurement<long>(Interlocked.Read(ref _storedEntries), new KeyValuePair<string, object?>("cache.level", "l2")),
            },
            "{entry}",
            "Entries held, by level: l1 in memory, l2 in storage (as last counted).");
        Meter.CreateObservableUpDownCounter("predictioncache.inference.inflight", () => statistics.Inflight, "{inference}", "Inferences running or queued.");
        Meter.CreateObservableUpDownCounter("predictioncache.inference.queued", () => statistics.Queued, "{inference}", "Inferences admitted and waiting for a slot, over every model.");
        Meter.CreateObservableUpDownCounter(
            "predictioncache.directory.entries",
            () => Enumerable.Range(0, directory.Count).Select(i =>
                new Measurement<int>(directory.CountOf(i), new KeyValuePair<string, object?>("directory.shard", i))),
            "{entry}",
            "Keys held by each cache directory shard.");
        Meter.CreateObservableUpDownCounter("predictioncache.jobs", ObserveJobs, "{job}", "Jobs held by the job store, by status (as last counted).");
        _inferenceDuration = Meter.CreateHistogram(
            "predictioncache.inference.duration",
            "s",
            "Duration of inferences, by model (waiting for a slot excluded).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = InferenceDurationBuckets });
        _inferenceFailures = Meter.CreateCounter<long>("predictioncache.inference.failures", "{inference}", "Inferences that failed or timed out, by model.");
    }

    /// <summary>The meter.</summary>
    public Meter Meter { get; }

    /// <summary>Entries in storage as last counted.</summary>
    public long StoredEntries => Interlocked.Read(ref _storedEntries);

    /// <summary>Jobs by status as last counted; null before the first count or when the store cannot count.</summary>
    public JobStatusCounts? Jobs => Volatile.Read(ref _jobs);

    internal void UpdateStoredEntries(long count) => Interlocked.Exchange(ref _storedEntries, count);

    internal void UpdateJobs(JobStatusCounts? counts) => Volatile.Write(ref _jobs, counts);

    internal void InferenceFinished(string model, TimeSpan elapsed, bool failed)
    {
        var tag = new KeyValuePair<string, object?>("model", model);
        _inferenceDuration.Record(elapsed.TotalSeconds, tag);
        if (failed)
        {
            _inferenceFailures.Add(1, tag);
        }
    }

    private IEnumerable<Measurement<long>> ObserveJobs()
    {
        if (Jobs is not { } jobs)
        {
            return [];
        }

        return
        [
            new Measurement<long>(jobs.Processing, new KeyValuePair<string, object?>("job.status", "processing")),
            new Measurement<long>(jobs.Completed, new KeyValuePair<string, object?>("job.status", "completed")),
            new Measurement<long>(jobs.Failed, new KeyValuePair<string, object?>("job.status", "failed")),
        ];
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace PredictionCache.Silo.Metrics;

/// <summary>The silo's instruments, on a meter named <see cref="MeterName"/> created from the host's <see cref="IMeterFactory"/>.</summary>
internal sealed class SiloMetrics
{
    public const string MeterName = "PredictionCache.Silo";

    /// <summary>Bucket bounds of the call-duration histogram, in seconds: 1 µs to 10 s.</summary>
    public static readonly IReadOnlyList<double> CallDurationBuckets =
    [
        0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
        0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ];

    private readonly UpDownCounter<long> _activations;
    private readonly Counter<long> _deactivations;
    private readonly Histogram<double> _callDuration;
    private readonly ConcurrentQueue<GrainMethodMetrics> _methods = new();

    public SiloMetrics(IMeterFactory meterFactory, IOptions<SiloMetricsOptions>? options = null)
    {
        CountsGrainCalls = options?.Value.GrainCalls ?? true;
        Meter = meterFactory.Create(MeterName);
        _activations = Meter.CreateUpDownCounter<long>(
            "predictioncache.silo.activations", "{activation}", "Activations in memory, by grain type.");
        _deactivations = Meter.CreateCounter<long>(
            "predictioncache.silo.deactivations", "{activation}", "Deactivations, by grain type and reason.");
        _callDuration = Meter.CreateHistogram(
            "predictioncache.grain.call.duration",
            "s",
            "Duration of grain calls, by grain type and method. Calls served without a turn (the cache-hit read) are sampled 1 in 1024; count calls with predictioncache.grain.calls.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CallDurationBuckets });
        Meter.CreateObservableCounter(
            "predictioncache.grain.calls", ObserveCalls, "{call}", "Grain calls, by grain type and method.");
    }

    public Meter Meter { get; }

    /// <summary>Whether grain calls are counted and timed (<see cref="SiloMetricsOptions.GrainCalls"/>).</summary>
    public bool CountsGrainCalls { get; }

    /// <summary>Every (grain type, method) called so far.</summary>
    public IEnumerable<GrainMethodMetrics> Methods => _methods;

    public void Activated(GrainType type) => _activations.Add(1, new KeyValuePair<string, object?>("grain.type", type.Name));

    public void Deactivated(GrainType type, DeactivationReasonCode reason)
    {
        var tags = new TagList { { "grain.type", type.Name }, { "reason", reason.ToString() } };
        _activations.Add(-1, new KeyValuePair<string, object?>("grain.type", type.Name));
        _deactivations.Add(1, tags);
    }

    /// <summary>Creates the counters of one grain method of one type (once per pair; the type's runtime caches it).</summary>
    public GrainMethodMetrics CreateMethodMetrics(GrainType type, GrainMethod method)
    {
        var metrics = new GrainMethodMetrics(_callDuration, type.Name, method.Name);
        _methods.Enqueue(metrics);
        return metrics;
    }

    private IEnumerable<Measurement<long>> ObserveCalls() =>
        _methods.Select(m => new Measurement<long>(
            m.Calls, new KeyValuePair<string, object?>("grain.type", m.GrainType), new KeyValuePair<string, object?>("grain.method", m.Method)));
}

using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace PredictionCache.Silo.Telemetry;

/// <summary>
/// The silo's own instruments, on a meter named <see cref="MeterName"/> created from the host's
/// <see cref="IMeterFactory"/>: grain calls per grain type and method and their duration, recorded by
/// <see cref="GrainCallMetricsFilter"/>. Activations per grain type are Orleans' own (meter <c>Microsoft.Orleans</c>).
/// </summary>
internal sealed class SiloMetrics
{
    public const string MeterName = "PredictionCache.Silo";

    /// <summary>Bucket bounds of the call-duration histogram, in seconds: 1 µs to 10 s.</summary>
    public static readonly IReadOnlyList<double> CallDurationBuckets =
    [
        0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
        0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ];

    public SiloMetrics(IMeterFactory meterFactory, IOptions<SiloMetricsOptions> options)
    {
        CountsGrainCalls = options.Value.GrainCalls;
        Meter = meterFactory.Create(MeterName);
        Calls = Meter.CreateCounter<long>("predictioncache.grain.calls", "{call}", "Grain calls, by grain type and method.");
        CallDuration = Meter.CreateHistogram(
            "predictioncache.grain.call.duration",
            "s",
            "Duration of grain calls, by grain type and method (timer ticks and Orleans' own calls left out).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CallDurationBuckets });
    }

    public Meter Meter { get; }

    /// <summary>Whether grain calls are counted and timed (<see cref="SiloMetricsOptions.GrainCalls"/>).</summary>
    public bool CountsGrainCalls { get; }

    public Counter<long> Calls { get; }

    public Histogram<double> CallDuration { get; }
}

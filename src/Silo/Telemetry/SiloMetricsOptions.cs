namespace PredictionCache.Silo.Telemetry;

/// <summary>Options of the silo's own instruments (section <c>Silo:Metrics</c>).</summary>
public sealed class SiloMetricsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Silo:Metrics";

    /// <summary>
    /// <value>Count grain calls per grain type and method and time a sample of them (<c>predictioncache.grain.calls</c>,
    /// <c>predictioncache.grain.call.duration</c>). Off, the call path skips instrumentation altogether: for
    /// measuring what instrumentation costs. Default true.</value>
    /// </summary>
    public bool GrainCalls { get; set; } = true;
}

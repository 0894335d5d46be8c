using System.Diagnostics;

namespace PredictionCache.Silo.Telemetry;

/// <summary>
/// Counts and times the calls to the cache's own grains, per grain type and method (<see cref="SiloMetrics"/>). Calls
/// to Orleans' own grains and system targets are left out, and so are timer ticks, which are not grain calls.
/// </summary>
internal sealed class GrainCallMetricsFilter(SiloMetrics metrics) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!metrics.CountsGrainCalls || context.ImplementationMethod?.DeclaringType?.Namespace?.StartsWith("PredictionCache.", StringComparison.Ordinal) != true)
        {
            await context.Invoke();
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await context.Invoke();
        }
        finally
        {
            var tags = new TagList { { "grain.type", context.TargetId.Type.ToString() }, { "grain.method", context.MethodName } };
            metrics.Calls.Add(1, tags);
            metrics.CallDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }
}

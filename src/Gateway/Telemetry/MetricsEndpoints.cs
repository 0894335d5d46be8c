using PredictionCache.Grains.Caching;

namespace PredictionCache.Gateway.Telemetry;

/// <summary><c>GET /metrics</c>: every collected instrument in the Prometheus text format.</summary>
internal static class MetricsEndpoints
{
    public static IEndpointRouteBuilder MapMetricsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/metrics", GetMetricsAsync)
            .WithTags("Telemetry")
            .WithName("GetMetrics")
            .WithSummary("Metrics in the Prometheus text exposition format 0.0.4.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        return endpoints;
    }

    internal static async Task<IResult> GetMetricsAsync(PredictionService cache, MetricsCollector collector, CancellationToken cancellationToken)
    {
        // Stored entries and jobs are counted in storage, so at scrape time rather than on every change.
        await cache.RefreshGaugesAsync(cancellationToken);
        return TypedResults.Text(PrometheusFormatter.Format(collector.Collect()), PrometheusFormatter.ContentType);
    }
}

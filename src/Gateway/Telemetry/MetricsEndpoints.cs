using PredictionCache.Gateway.Security;
using PredictionCache.Grains.Caching;

namespace PredictionCache.Gateway.Telemetry;

/// <summary><c>GET /metrics</c>: OpenTelemetry's Prometheus exporter over the host's meter provider.</summary>
internal static class MetricsEndpoints
{
    public static IEndpointRouteBuilder MapMetricsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Stored entries and jobs are counted in storage, so at scrape time rather than on every change: the branch
        // counts them before the exporter collects.
        endpoints.MapPrometheusScrapingEndpoint(
                "/metrics",
                meterProvider: null,
                configureBranchedPipeline: branch => branch.Use(async (context, next) =>
                {
                    await context.RequestServices.GetRequiredService<PredictionService>().RefreshGaugesAsync(context.RequestAborted);
                    await next(context);
                }),
                optionsName: null)
            .RequireAuthorization(ApiKeyDefaults.GlobalAdmin)
            .WithTags("Telemetry")
            .WithName("GetMetrics")
            .WithSummary("Metrics in the Prometheus text exposition format (OpenMetrics when asked for).");
        return endpoints;
    }
}

using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PredictionCache.Gateway.Dashboard;
using PredictionCache.Silo.Telemetry;

namespace PredictionCache.Gateway.Telemetry;

/// <summary>
/// The gateway's part of OpenTelemetry, on the builder the silo's composition started (<see cref="SiloTelemetry"/>):
/// ASP.NET Core's meters (and its spans while OTLP export is on), the Prometheus exporter behind <c>/metrics</c>, and
/// the dashboard's reader of the same meter provider.
/// </summary>
internal static class TelemetryServiceCollectionExtensions
{
    /// <summary>ASP.NET Core's meters read: request durations and Kestrel's connections (its per-request routing and
    /// diagnostics counters are left out: the hit path would pay for them on every request).</summary>
    public static readonly IReadOnlyList<string> AspNetCoreMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];

    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<DashboardMetricReader>();
        var telemetry = services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter([.. AspNetCoreMeters])
            .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0)
            .AddReader(sp => sp.GetRequiredService<DashboardMetricReader>()));
        if (SiloTelemetry.ExportsOtlp(configuration))
        {
            telemetry.WithTracing(tracing => tracing.AddAspNetCoreInstrumentation());
        }

        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.SectionName).ValidateOnStart();
        services.AddSingleton<DashboardData>();
        return services;
    }
}

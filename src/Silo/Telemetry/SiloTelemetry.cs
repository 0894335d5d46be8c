using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Diagnostics;
using PredictionCache.Grains.Telemetry;

namespace PredictionCache.Silo.Telemetry;

/// <summary>
/// OpenTelemetry for a silo of the cache, through <c>AddOpenTelemetry()</c>: the cache's meters and Orleans',
/// HttpClient (the model servers), Npgsql and the .NET runtime; while <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, OTLP
/// export of those metrics and of traces (the cache's activities, Orleans' grain calls and grain storage, HttpClient,
/// Npgsql), over HTTP/protobuf by default. The OTLP exporter reads OpenTelemetry's standard variables
/// (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_METRIC_EXPORT_INTERVAL</c>, <c>OTEL_BSP_SCHEDULE_DELAY</c>,
/// <c>OTEL_SERVICE_NAME</c>, ...) from the host's configuration, so they work as environment variables and as
/// <c>--KEY=value</c> arguments. The gateway adds ASP.NET Core and its readers (Prometheus, dashboard) to the same builder.
/// </summary>
public static class SiloTelemetry
{
    /// <summary>The service name when <c>OTEL_SERVICE_NAME</c> is unset.</summary>
    public const string DefaultServiceName = "predictioncache";

    /// <summary>The meters read: the cache's, the silo's, Orleans' and Npgsql's.</summary>
    public static IReadOnlyList<string> Meters { get; } = [CacheMetrics.MeterName, SiloMetrics.MeterName, "Microsoft.Orleans", "Npgsql"];

    /// <summary>The activity sources traced besides HttpClient and Npgsql: the cache's, Orleans' grain calls and grain storage.</summary>
    public static IReadOnlyList<string> ActivitySourceNames { get; } =
        [CacheActivities.SourceName, ActivitySources.ApplicationGrainActivitySourceName, ActivitySources.StorageActivitySourceName];

    /// <summary>Whether OTLP export is on: <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.</summary>
    public static bool ExportsOtlp(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    /// <summary>
    /// Adds the silo's telemetry. Tracing is on only while OTLP export is: with nothing to send spans to, no request pays
    /// for them. Every host reads only the instruments of its own <see cref="IMeterFactory"/> (and process-wide ones
    /// such as the runtime's), so hosts that share a process (tests) never count each other's figures.
    /// </summary>
    public static OpenTelemetryBuilder AddPredictionCacheTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var otlp = ExportsOtlp(configuration);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName))
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter([.. Meters])
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation();
                if (otlp)
                {
                    metrics.AddOtlpExporter(exporter => DefaultToHttpProtobuf(exporter, configuration));
                }
            });
        services.ConfigureOpenTelemetryMeterProvider((sp, metrics) => metrics.AddView(OwnInstrumentsOnly(sp.GetRequiredService<IMeterFactory>())));
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource([.. ActivitySourceNames])
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter(exporter => DefaultToHttpProtobuf(exporter, configuration)));

            // Stored entries and jobs are counted in storage; with no scrape to count them, they are counted per export.
            services.AddHostedService<StorageGaugeRefresher>();
        }

        return telemetry;
    }

    /// <summary>
    /// OTLP over HTTP with protobuf unless <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> says otherwise: the specification's default
    /// (the .NET exporter's own is gRPC), and what collectors listen for on 4318.
    /// </summary>
    private static void DefaultToHttpProtobuf(OtlpExporterOptions exporter, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_PROTOCOL"]))
        {
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
        }
    }

    /// <summary>A view that drops the instruments of meters another host's <see cref="IMeterFactory"/> created.</summary>
    private static Func<Instrument, MetricStreamConfiguration?> OwnInstrumentsOnly(IMeterFactory own) =>
        instrument => instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, own) ? MetricStreamConfiguration.Drop : null;
}

using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Telemetry;

namespace PredictionCache.Gateway.Telemetry;

/// <summary>
/// Exports metrics and traces over OTLP while <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set: the same meters as
/// <c>/metrics</c> and the <c>PredictionCache</c>, ASP.NET Core and Orleans grain-call activity sources (the link
/// between a request's span and its inference's). Built at start, flushed and
/// disposed at stop. Between exports it counts the storage gauges again, which nothing else refreshes when no one
/// scrapes <c>/metrics</c>.
/// </summary>
internal sealed partial class OtlpExportService(
    IOptions<TelemetryOptions> options,
    PredictionService cache,
    TimeProvider time,
    ILogger<OtlpExportService> logger) : BackgroundService
{
    private MeterProvider? _meters;
    private TracerProvider? _tracer;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var value = options.Value;
        if (value.OtlpEndpointUri is not { } endpoint)
        {
            return Task.CompletedTask;
        }

        var protocol = value.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        var resource = ResourceBuilder.CreateDefault().AddService(value.ServiceName);
        _meters = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter([.. MetricsCollector.MeterNames])
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = protocol;
                exporter.Endpoint = SignalEndpoint(endpoint, protocol, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = value.MetricExportIntervalMs;
            })
            .Build();
        _tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(CacheActivities.SourceName, "Microsoft.AspNetCore", Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName)
            .AddOtlpExporter(exporter =>
            {
                exporter.Protocol = protocol;
                exporter.Endpoint = SignalEndpoint(endpoint, protocol, "v1/traces");
            })
            .Build();
        LogExporting(logger, endpoint, value.OtlpProtocol);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // Flushes the last export.
            _meters?.Dispose();
            _tracer?.Dispose();
        }
        catch (Exception ex) when (ex is NullReferenceException or ObjectDisposedException)
        {
            // The SDK listens to meters by name in the whole process; when another host in the same process (tests)
            // disposes its meters at the same moment, MeterProviderSdk.Dispose can throw (seen with 1.20.1). The
            // stop must not fail for it: the last export is lost, which is logged.
            LogDisposeFailed(logger, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.MetricExportIntervalMs), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await cache.RefreshGaugesAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRefreshFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// OTLP/HTTP posts each signal to its own path under the base endpoint (the spec's rule for
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); an endpoint set in code is used as given, so the path is added here.
    /// </summary>
    private static Uri SignalEndpoint(Uri endpoint, OtlpExportProtocol protocol, string path) =>
        protocol == OtlpExportProtocol.Grpc ? endpoint : new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Exporting metrics and traces over OTLP ({Protocol}) to {Endpoint}")]
    private static partial void LogExporting(ILogger logger, Uri endpoint, string protocol);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping the OTLP exporters failed; the last export may be lost")]
    private static partial void LogDisposeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting stored entries and jobs for the metrics failed; the next export tries again")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}

using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace PredictionCache.Gateway.Telemetry;

/// <summary>
/// OTLP export, configured by OpenTelemetry's standard environment variables (read through configuration, so
/// <c>--OTEL_EXPORTER_OTLP_ENDPOINT=...</c> works as well).
/// </summary>
public sealed class TelemetryOptions : IValidatableObject
{
    /// <summary><value>Base endpoint of an OTLP receiver (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>), e.g. <c>http://collector:4318</c>; unset (default): no export.</value></summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>The parsed <see cref="OtlpEndpoint"/>, or null when unset.</summary>
    public Uri? OtlpEndpointUri => string.IsNullOrWhiteSpace(OtlpEndpoint) ? null : new Uri(OtlpEndpoint, UriKind.Absolute);

    /// <summary><value><c>http/protobuf</c> (default) or <c>grpc</c> (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>).</value></summary>
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary><value>Milliseconds between metric exports (<c>OTEL_METRIC_EXPORT_INTERVAL</c>). Range 100–3,600,000; default 60,000.</value></summary>
    public int MetricExportIntervalMs { get; set; } = 60_000;

    /// <summary><value>The <c>service.name</c> resource attribute (<c>OTEL_SERVICE_NAME</c>); default <c>predictioncache</c>.</value></summary>
    public string ServiceName { get; set; } = "predictioncache";

    /// <summary>Reads the OpenTelemetry environment variables from <paramref name="configuration"/>.</summary>
    public void Bind(IConfiguration configuration)
    {
        OtlpEndpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } endpoint ? endpoint : OtlpEndpoint;
        OtlpProtocol = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] is { Length: > 0 } protocol ? protocol : OtlpProtocol;
        ServiceName = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } service ? service : ServiceName;
        if (configuration["OTEL_METRIC_EXPORT_INTERVAL"] is { Length: > 0 } interval)
        {
            MetricExportIntervalMs = int.TryParse(interval, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms : -1;
        }
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(OtlpEndpoint) &&
            (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult(
                $"OTEL_EXPORTER_OTLP_ENDPOINT is '{OtlpEndpoint}'; it must be an absolute http or https URI.", [nameof(OtlpEndpoint)]);
        }

        if (MetricExportIntervalMs is < 100 or > 3_600_000)
        {
            yield return new ValidationResult(
                $"OTEL_METRIC_EXPORT_INTERVAL is {MetricExportIntervalMs}; it must be 100–3600000 (milliseconds).", [nameof(MetricExportIntervalMs)]);
        }

        if (OtlpProtocol is not ("http/protobuf" or "grpc"))
        {
            yield return new ValidationResult(
                $"OTEL_EXPORTER_OTLP_PROTOCOL is '{OtlpProtocol}'; it must be 'http/protobuf' or 'grpc'.", [nameof(OtlpProtocol)]);
        }
    }
}

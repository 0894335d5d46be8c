using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PredictionCache.Grains;
using PredictionCache.Grains.Caching;

namespace PredictionCache.Silo.Telemetry;

/// <summary>
/// While metrics go out over OTLP, counts the storage gauges (stored entries, jobs by status) again once per export
/// interval (<c>OTEL_METRIC_EXPORT_INTERVAL</c>, default 60 s): they are counted in storage, and nothing else counts
/// them when no one scrapes <c>/metrics</c>.
/// </summary>
internal sealed partial class StorageGaugeRefresher(
    PredictionService cache,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<StorageGaugeRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = int.TryParse(configuration["OTEL_METRIC_EXPORT_INTERVAL"], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms : 60_000;
        await OnTheClock.RunAsync(TimeSpan.FromMilliseconds(interval), time, cache.RefreshGaugesAsync, ex => LogRefreshFailed(logger, ex), stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting stored entries and jobs for the metrics failed; the next export tries again")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}

using System.Text.Json;
using System.Text.Json.Nodes;
using PredictionCache.Gateway.Telemetry;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Telemetry;

namespace PredictionCache.Gateway.Dashboard;

/// <summary>
/// The dashboard's figures at one moment: <c>/cache/stats</c> itself (so the page shows exactly what it says), the
/// activations by grain type (Orleans' own gauge), and the cumulative instruments (grain calls and their duration
/// buckets, inference by model, directory shards, jobs) read from the same OpenTelemetry meter provider as
/// <c>/metrics</c> (<see cref="DashboardMetricReader"/>). Rates and percentiles are worked out by the page from two polls.
/// </summary>
internal sealed class DashboardData(PredictionService cache, DashboardMetricReader reader, CacheMetrics metrics, TimeProvider time)
{
    /// <summary>Orleans' gauge of activations per grain type (tag <c>grain_type</c>, system targets included).</summary>
    public const string OrleansActivations = "orleans-catalog-activations";

    public async Task<string> BuildJsonAsync(CancellationToken cancellationToken)
    {
        // The stats count the stored entries (and update that gauge); only the jobs are left to count.
        var stats = await cache.GetStatsAsync(cancellationToken: cancellationToken);
        await cache.RefreshJobCountsAsync(cancellationToken);
        var snapshot = reader.Read();

        // Orleans' own gauge, from this host's meter: IManagementGrain.GetSimpleGrainStatistics counts through a static
        // listener, which mixes every silo of a process (tests host several). System targets are not grains: left out.
        var activations = new JsonObject();
        foreach (var type in Series(snapshot, OrleansActivations)
            .Where(s => s.Tag("grain_type") is { } type && !type.StartsWith("sys.", StringComparison.Ordinal) && s.Value > 0)
            .OrderBy(s => s.Tag("grain_type"), StringComparer.Ordinal))
        {
            activations[type.Tag("grain_type")!] = (long)type.Value;
        }

        var calls = new JsonArray();
        var durations = Series(snapshot, "predictioncache.grain.call.duration");
        foreach (var call in Series(snapshot, "predictioncache.grain.calls").OrderBy(s => s.Tag("grain.type"), StringComparer.Ordinal).ThenBy(s => s.Tag("grain.method"), StringComparer.Ordinal))
        {
            var duration = durations.FirstOrDefault(d => d.Tag("grain.type") == call.Tag("grain.type") && d.Tag("grain.method") == call.Tag("grain.method"));
            var entry = new JsonObject { ["type"] = call.Tag("grain.type"), ["method"] = call.Tag("grain.method"), ["calls"] = call.Value };
            AddHistogram(entry, duration);
            calls.Add(entry);
        }

        var failures = Series(snapshot, "predictioncache.inference.failures");
        var models = new JsonArray();
        foreach (var model in Series(snapshot, "predictioncache.inference.duration"))
        {
            var entry = new JsonObject
            {
                ["model"] = model.Tag("model"),
                ["failures"] = failures.FirstOrDefault(f => f.Tag("model") == model.Tag("model"))?.Value ?? 0,
            };
            AddHistogram(entry, model);
            models.Add(entry);
        }

        var shards = new JsonArray([.. Series(snapshot, "predictioncache.directory.entries")
            .OrderBy(s => int.Parse(s.Tag("directory.shard") ?? "0", System.Globalization.CultureInfo.InvariantCulture))
            .Select(s => (JsonNode?)JsonValue.Create(s.Value))]);
        var queued = Series(snapshot, "predictioncache.inference.queued").Sum(s => s.Value);
        var jobs = metrics.Jobs is { } counts
            ? new JsonObject { ["processing"] = counts.Processing, ["completed"] = counts.Completed, ["failed"] = counts.Failed }
            : null;
        var root = new JsonObject
        {
            ["time_ms"] = time.GetUtcNow().ToUnixTimeMilliseconds(),
            ["stats"] = JsonSerializer.SerializeToNode(stats, Infrastructure.GatewayJsonContext.Default.CacheStatsSnapshot),
            ["activations"] = activations,
            ["calls"] = calls,
            ["inference"] = new JsonObject { ["inflight"] = stats.Inflight, ["queued"] = queued, ["models"] = models },
            ["shards"] = shards,
            ["jobs"] = jobs,
        };
        return root.ToJsonString();
    }

    private static IReadOnlyList<SeriesSnapshot> Series(IReadOnlyDictionary<string, MetricSnapshot> snapshot, string name) =>
        snapshot.TryGetValue(name, out var metric) ? metric.Series : [];

    private static void AddHistogram(JsonObject entry, SeriesSnapshot? histogram)
    {
        if (histogram is null)
        {
            return;
        }

        entry["bounds"] = new JsonArray([.. (histogram.Bounds ?? []).Select(b => (JsonNode?)JsonValue.Create(b))]);
        entry["buckets"] = new JsonArray([.. (histogram.BucketCounts ?? []).Select(b => (JsonNode?)JsonValue.Create(b))]);
        entry["timed"] = histogram.Count;
        entry["sum"] = histogram.Sum;
    }
}

using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Telemetry;

/// <summary><c>GET /metrics</c> (OpenTelemetry's exporter): parses as strict Prometheus text, and its counters agree with <c>/cache/stats</c>.</summary>
public sealed class MetricsEndpointsTests
{
    [Fact]
    public async Task Metrics_AfterKnownSequence_ParseAndAgreeWithStats()
    {
        // Arrange: 2 misses stored, 3 hits (one from a differently written text), one key removed.
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Cache:MaxEntries"] = "100" }, backends: backend);
        using var client = factory.CreateClient();
        await factory.StoreAsync(client, "metrics first");
        (await client.PredictAsync("metrics first")).Dispose();
        await factory.StoreAsync(client, "metrics second");
        (await client.PredictAsync("metrics second")).Dispose();
        (await client.PredictAsync("  METRICS second ")).Dispose();

        // Act
        using var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        var stats = await client.GetStatsAsync();
        var metrics = PrometheusText.Parse(text);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(response.Content.Headers.ContentType.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        Assert.Equal(3, stats.GetProperty("hits").GetInt64());
        Assert.Equal(2, stats.GetProperty("misses").GetInt64());
        Assert.Equal(stats.GetProperty("hits_l1").GetInt64(), Value(metrics, "predictioncache_cache_hits_total", ("cache_level", "l1")));
        Assert.Equal(stats.GetProperty("hits_l2").GetInt64(), Value(metrics, "predictioncache_cache_hits_total", ("cache_level", "l2")));
        Assert.Equal(stats.GetProperty("misses").GetInt64(), Value(metrics, "predictioncache_cache_misses_total"));
        Assert.Equal(stats.GetProperty("coalesced").GetInt64(), Value(metrics, "predictioncache_cache_coalesced_total"));
        Assert.Equal(stats.GetProperty("evictions").GetInt64(), Value(metrics, "predictioncache_cache_evictions_total"));
        Assert.Equal(stats.GetProperty("expirations").GetInt64(), Value(metrics, "predictioncache_cache_expirations_total"));
        Assert.Equal(stats.GetProperty("inferences").GetInt64(), Value(metrics, "predictioncache_inference_completed_total"));
        Assert.Equal(stats.GetProperty("size").GetInt64(), Value(metrics, "predictioncache_cache_entries", ("cache_level", "l1")));
        Assert.Equal(stats.GetProperty("stored_entries").GetInt64(), Value(metrics, "predictioncache_cache_entries", ("cache_level", "l2")));
        Assert.Equal(stats.GetProperty("inflight").GetInt64(), Value(metrics, "predictioncache_inference_inflight"));
        Assert.Equal(
            stats.GetProperty("activations").GetInt64(),
            metrics["orleans_catalog_activations"].Samples.Where(s => s.Labels["grain_type"].StartsWith("predictioncache.", StringComparison.Ordinal)).Sum(s => s.Value));
        Assert.Equal(2, Value(metrics, "predictioncache_directory_entries", ("directory_shard", "0")));
        Assert.Equal(2, Value(metrics, "predictioncache_jobs", ("job_status", "completed")));
        Assert.Equal(0, Value(metrics, "predictioncache_jobs", ("job_status", "processing")));

        // The 2 misses called their grains, which took their inference's outcome in a call of their own; the 3 hits were
        // answered from the published entries without a grain call. The 2 inferences were timed per model.
        Assert.Equal("counter", metrics["predictioncache_grain_calls_total"].Type);
        Assert.Equal(2, Value(metrics, "predictioncache_grain_calls_total", ("grain_type", "predictioncache.prediction"), ("grain_method", "GetOrStartAsync")));
        Assert.Equal(2, Value(metrics, "predictioncache_grain_calls_total", ("grain_type", "predictioncache.prediction"), ("grain_method", "CompleteAsync")));
        Assert.DoesNotContain(metrics["predictioncache_grain_calls_total"].Samples, s => s.Labels["grain_method"] == "TryGetAsync");
        Assert.Equal(2, Value(metrics, "predictioncache_grain_call_duration_seconds_count", ("grain_type", "predictioncache.prediction"), ("grain_method", "GetOrStartAsync")));
        Assert.Equal("histogram", metrics["predictioncache_inference_duration_seconds"].Type);
        Assert.Equal(2, Value(metrics, "predictioncache_inference_duration_seconds_count", ("model", "sentiment")));
        Assert.Equal("histogram", metrics["http_server_request_duration_seconds"].Type);
    }

    [Theory]
    [InlineData("metric 1\nmetric 2\n", "duplicate series")]
    [InlineData("metric{a=\"1\"} x\n", "invalid value")]
    [InlineData("metric{a=\"\\t\"} 1\n", "invalid escape")]
    [InlineData("1metric 1\n", "expected a metric name")]
    [InlineData("metric{a=\"1\" 1\n", "expected ','")]
    [InlineData("a 1\nb 1\na{x=\"y\"} 1\n", "not contiguous")]
    [InlineData("a 1\n# TYPE a counter\n", "after its samples")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "cumulative")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "+Inf")]
    [InlineData("metric 1", "line feed")]
    public void Parser_MalformedExposition_Throws(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => PrometheusText.Parse(text));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private static double Value(IReadOnlyDictionary<string, PrometheusFamily> metrics, string sample, params (string Key, string Value)[] labels)
    {
        var matches = metrics.Values
            .SelectMany(f => f.Samples)
            .Where(s => s.Name == sample && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
            .ToList();
        return Assert.Single(matches).Value;
    }
}

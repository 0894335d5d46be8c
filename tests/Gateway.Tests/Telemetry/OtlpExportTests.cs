using System.Net;
using Orleans.Diagnostics;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.Gateway.Tests.Models;
using PredictionCache.Grains.Telemetry;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Telemetry;

/// <summary>
/// OTLP export: with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, metrics and traces are POSTed as protobuf to a receiver,
/// which decodes the spans: a miss is one trace from the HTTP request through the grain call and the model server's
/// HTTP call to the grain-state write; a hit is a trace of its own.
/// </summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task OtlpEndpointSet_MetricsArrive_AndAMissAndAHitAreEachOneTrace()
    {
        // Arrange: an HTTP model server, SQLite storage, exports every 100-200 ms.
        await using var receiver = new OtlpReceiver();
        await using var server = await FakeModelServer.StartAsync();
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var settings = HttpModels.Settings(server);
        foreach (var (key, value) in database.Settings)
        {
            settings[key] = value;
        }

        settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint;
        settings["OTEL_METRIC_EXPORT_INTERVAL"] = "200";
        settings["OTEL_BSP_SCHEDULE_DELAY"] = "100";
        await using var factory = new GatewayFactory(settings);
        using var client = factory.CreateClient();

        // Act: a miss answered when its inference is done, then a hit.
        using var miss = await client.PredictAsync("traced text", ("Prefer", "wait=30"));
        using var hit = await client.PredictAsync("traced text");
        var cacheKey = miss.Header("X-Cache-Key");
        var spans = await receiver.WaitForSpansAsync(
            s => s.Any(x => x.Name == CacheActivities.Hit && Tagged(x, cacheKey)) &&
                 s.Any(x => x.Scope == ActivitySources.StorageActivitySourceName && x.Name.Contains("write", StringComparison.OrdinalIgnoreCase) &&
                            s.Any(m => m.Name == CacheActivities.Miss && Tagged(m, cacheKey) && m.TraceId == x.TraceId)) &&
                 s.Any(x => x.Scope == "System.Net.Http" && x.Attributes.GetValueOrDefault("server.port") == server.BaseUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            "the spans of the miss and the hit");
        await receiver.WaitForMetricsAsync();

        // Assert: the miss's trace. The request's server span is the root; the miss is its child; Orleans' client and
        // server spans carry the call into the grain; the inference, the model server's HTTP call and the grain-state
        // write all descend from the miss.
        Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        Assert.Equal("MISS", miss.Header("X-Cache"));
        Assert.Equal("HIT", hit.Header("X-Cache"));
        var missSpan = Assert.Single(spans, s => s.Name == CacheActivities.Miss && Tagged(s, cacheKey));
        var trace = spans.Where(s => s.TraceId == missSpan.TraceId).GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        var request = trace[missSpan.ParentSpanId];
        Assert.Equal((OtlpSpan.Server, "Microsoft.AspNetCore", string.Empty), (request.Kind, request.Scope, request.ParentSpanId));
        Assert.Equal("/predict", request.Attributes.GetValueOrDefault("http.route"));
        var grainCall = Assert.Single(trace.Values, s => s.Kind == OtlpSpan.Server && s.Scope == ActivitySources.ApplicationGrainActivitySourceName &&
                                                          s.Attributes.GetValueOrDefault("rpc.method", string.Empty).EndsWith("GetOrStartAsync", StringComparison.Ordinal));
        Assert.Equal(missSpan.SpanId, trace[grainCall.ParentSpanId].ParentSpanId);
        var inference = Assert.Single(trace.Values, s => s.Name == CacheActivities.Inference);
        Assert.Equal(grainCall.SpanId, inference.ParentSpanId);
        var batch = Assert.Single(trace.Values, s => s.Name == CacheActivities.ModelBatch);
        Assert.Equal(inference.SpanId, batch.ParentSpanId);
        Assert.Equal("1", batch.Attributes.GetValueOrDefault(CacheActivities.BatchSizeTag));
        var modelCall = Assert.Single(trace.Values, s => s.Scope == "System.Net.Http" && s.Kind == OtlpSpan.Client);
        Assert.Equal(batch.SpanId, modelCall.ParentSpanId);
        Assert.Equal("POST", modelCall.Attributes.GetValueOrDefault("http.request.method"));
        var write = Assert.Single(trace.Values, s => s.Scope == ActivitySources.StorageActivitySourceName && s.Name.Contains("write", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(missSpan.SpanId, Ancestors(trace, write));
        Assert.Contains(grainCall.SpanId, Ancestors(trace, inference));

        // The hit: a trace of its own, the request's server span and the hit under it, no grain call and no write.
        var hitSpan = Assert.Single(spans, s => s.Name == CacheActivities.Hit && Tagged(s, cacheKey));
        Assert.NotEqual(missSpan.TraceId, hitSpan.TraceId);
        var hitTrace = spans.Where(s => s.TraceId == hitSpan.TraceId).ToList();
        var hitRequest = Assert.Single(hitTrace, s => s.SpanId == hitSpan.ParentSpanId);
        Assert.Equal((OtlpSpan.Server, "Microsoft.AspNetCore"), (hitRequest.Kind, hitRequest.Scope));
        Assert.DoesNotContain(hitTrace, s => s.Scope == ActivitySources.ApplicationGrainActivitySourceName || s.Scope == ActivitySources.StorageActivitySourceName);
    }

    private static bool Tagged(OtlpSpan span, string cacheKey) => span.Attributes.GetValueOrDefault(CacheActivities.CacheKeyTag) == cacheKey;

    private static List<string> Ancestors(Dictionary<string, OtlpSpan> trace, OtlpSpan span)
    {
        var ancestors = new List<string>();
        while (trace.TryGetValue(span.ParentSpanId, out var parent))
        {
            ancestors.Add(parent.SpanId);
            span = parent;
        }

        return ancestors;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;
using Orleans.Diagnostics;
using PredictionCache.Grains.Telemetry;

namespace PredictionCache.Gateway.Tests.Telemetry;

/// <summary>Traces: an activity per request named after its outcome, and one per inference, with key and job id.</summary>
public sealed class ActivityTests
{
    [Fact]
    public async Task Requests_MissCoalescedHit_EachHaveTheirActivity_AndTheInferenceIsTheMissChild()
    {
        // Arrange: activities of this test's keys and trace only (other tests run in parallel on the same sources).
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is CacheActivities.SourceName or ActivitySources.ApplicationGrainActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        // Act: a miss held open, a duplicate that joins it, then a hit once it is done.
        using var miss = await client.PredictAsync("activity text");
        var jobId = (await miss.ReadJsonAsync()).GetProperty("job_id").GetString();
        using var joined = await client.PredictAsync("activity text");
        backend.Release();
        await factory.WaitForJobAsync(Guid.Parse(jobId!));
        using var hit = await client.PredictAsync("activity text");
        var key = miss.Header("X-Cache-Key");

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, miss.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, joined.StatusCode);
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        var mine = stopped.Where(a => (a.GetTagItem(CacheActivities.CacheKeyTag) as string) == key).ToList();
        Assert.Equal(
            [CacheActivities.CoalescedWait, CacheActivities.Hit, CacheActivities.Inference, CacheActivities.Miss],
            mine.Select(a => a.DisplayName).Order(StringComparer.Ordinal));
        Assert.All(mine.Where(a => a.DisplayName != CacheActivities.Hit), a => Assert.Equal(jobId, a.GetTagItem(CacheActivities.JobIdTag)));
        var request = Assert.Single(mine, a => a.DisplayName == CacheActivities.Miss);
        var inference = Assert.Single(mine, a => a.DisplayName == CacheActivities.Inference);

        // The inference's parent is the grain call's span on the grain's side, whose parent is the call's span on the
        // request's side, whose parent is the request's span: Orleans carries the trace through the call.
        var spans = stopped.Where(a => a.TraceId == request.TraceId).ToDictionary(a => a.SpanId);
        var server = spans[inference.ParentSpanId];
        var caller = spans[server.ParentSpanId];
        Assert.Equal((ActivityKind.Server, ActivityKind.Client), (server.Kind, caller.Kind));
        Assert.Equal(ActivitySources.ApplicationGrainActivitySourceName, server.Source.Name);
        Assert.EndsWith("/GetOrStartAsync", server.GetTagItem("rpc.method") as string, StringComparison.Ordinal);
        Assert.Equal(request.SpanId, caller.ParentSpanId);
        Assert.Equal("sentiment", inference.GetTagItem(CacheActivities.ModelTag));
    }
}

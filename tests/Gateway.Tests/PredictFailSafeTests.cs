using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.Grains.Inference;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests;

/// <summary>Negative caching (<c>X-Cache: NEGATIVE</c>), fail-safe grace and <c>max-stale</c> (<c>X-Cache: STALE</c>).</summary>
public sealed class PredictFailSafeTests
{
    private static readonly Dictionary<string, string?> Grace = new()
    {
        ["Cache:TtlSeconds"] = "10",
        ["Cache:GraceSeconds"] = "60",
    };

    [Fact]
    public async Task Predict_WithinNegativeTtl_AnswersTheRememberedFailureAtOnce()
    {
        var backend = new ThrowingInferenceBackend();
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Cache:NegativeTtlSeconds"] = "30" }, backends: backend);
        using var client = factory.CreateClient();
        using var first = await client.PredictAsync("down", ("Prefer", "wait=5"));
        var jobId = (await first.AssertProblemAsync(HttpStatusCode.BadGateway)).GetProperty("job_id").GetGuid();

        using var response = await client.PredictAsync("down");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadGateway);
        Assert.Equal(jobId, problem.GetProperty("job_id").GetGuid());
        Assert.Equal($"Job {jobId} failed: The model is down.", problem.GetProperty("detail").GetString());
        Assert.Equal("NEGATIVE", response.Header("X-Cache"));
        Assert.Equal(1, backend.Calls);
    }

    [Fact]
    public async Task Predict_WithinNegativeTtlAfterATimeout_Is504()
    {
        var backend = GatewayFakes.Model(open: true);
        backend.Failure = () => new InferenceTimeoutException(backend.Model, TimeSpan.FromSeconds(2));
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Cache:NegativeTtlSeconds"] = "30" }, backends: backend);
        using var client = factory.CreateClient();
        using var first = await client.PredictAsync("slow", ("Prefer", "wait=5"));
        var jobId = (await first.AssertProblemAsync(HttpStatusCode.GatewayTimeout)).GetProperty("job_id").GetGuid();

        using var response = await client.PredictAsync("slow");

        Assert.Equal(jobId, (await response.AssertProblemAsync(HttpStatusCode.GatewayTimeout)).GetProperty("job_id").GetGuid());
        Assert.Equal("NEGATIVE", response.Header("X-Cache"));
        Assert.Equal(1, backend.Calls);
    }

    [Fact]
    public async Task Predict_ExpiredWithinGraceAndModelFails_WaiterGetsTheStaleResultWithItsTrueAge()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(Grace, clock, backend);
        using var client = factory.CreateClient();
        var original = await factory.StoreAsync(client, "served stale");
        clock.Advance(TimeSpan.FromSeconds(25));
        backend.Failure = () => new InferenceFailedException(backend.Model, "The model is down.");

        using var response = await client.PredictAsync("served stale", ("Prefer", "wait=5"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("STALE", response.Header("X-Cache"));
        Assert.Equal("25", response.Header("Age"));
        var body = await response.ReadJsonAsync();
        Assert.Equal(original, body.GetProperty("job_id").GetGuid());
        Assert.True(body.GetProperty("cached").GetBoolean());
        GatewayHttp.AssertFakeResult(body.GetProperty("result"));
        Assert.Equal(2, backend.Calls);
    }

    [Fact]
    public async Task Predict_ExpiredPastGraceAndModelFails_Is502()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(Grace, clock, backend);
        using var client = factory.CreateClient();
        await factory.StoreAsync(client, "too old");
        clock.Advance(TimeSpan.FromSeconds(70));
        backend.Failure = () => new InferenceFailedException(backend.Model, "The model is down.");

        using var response = await client.PredictAsync("too old", ("Prefer", "wait=5"));

        await response.AssertProblemAsync(HttpStatusCode.BadGateway);
    }

    [Fact]
    public async Task Predict_MaxStaleWithinGrace_ServesTheExpiredEntryWithoutInference()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(Grace, clock, backend);
        using var client = factory.CreateClient();
        var original = await factory.StoreAsync(client, "old news");
        clock.Advance(TimeSpan.FromSeconds(15));

        using var stale = await client.PredictAsync("old news", ("Cache-Control", "max-stale=5"));
        using var anyStaleness = await client.PredictAsync("old news", ("Cache-Control", "max-stale"));
        using var tooStale = await client.PredictAsync("old news", ("Cache-Control", "max-stale=4"));

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("STALE", stale.Header("X-Cache"));
        Assert.Equal("15", stale.Header("Age"));
        Assert.Equal(original, (await stale.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        Assert.Equal(HttpStatusCode.OK, anyStaleness.StatusCode);
        Assert.Equal("STALE", anyStaleness.Header("X-Cache"));
        Assert.Equal(HttpStatusCode.Accepted, tooStale.StatusCode);
        Assert.Equal("MISS", tooStale.Header("X-Cache"));
        await factory.WaitForJobAsync((await tooStale.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        Assert.Equal(2, backend.Calls);
    }
}

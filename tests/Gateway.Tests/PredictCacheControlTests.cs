using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests;

/// <summary><c>POST /predict</c> with <c>Cache-Control</c> request directives (RFC 9111).</summary>
public sealed class PredictCacheControlTests
{
    [Fact]
    public async Task Predict_NoCacheOnHit_InfersAgainAndReplacesTheEntry()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        var firstJob = await factory.StoreAsync(client, "refresh me");

        using var refresh = await client.PredictAsync("refresh me", ("Cache-Control", "no-cache"));
        Assert.Equal(HttpStatusCode.Accepted, refresh.StatusCode);
        Assert.Equal("MISS", refresh.Header("X-Cache"));
        var secondJob = (await refresh.ReadJsonAsync()).GetProperty("job_id").GetGuid();
        await factory.WaitForJobAsync(secondJob);
        using var hit = await client.PredictAsync("refresh me");

        Assert.NotEqual(firstJob, secondJob);
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal(secondJob, (await hit.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        Assert.Equal(2, backend.Calls);
        var stats = await client.GetStatsAsync();
        Assert.Equal(1, stats.GetProperty("size").GetInt64());
        Assert.Equal(2, stats.GetProperty("misses").GetInt64());
    }

    [Fact]
    public async Task Predict_NoStore_AnswersButDoesNotStore()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var answered = await client.PredictAsync("forget me", ("Cache-Control", "no-store"), ("Prefer", "wait=5"));
        using var next = await client.PredictAsync("forget me");

        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var body = await answered.ReadJsonAsync();
        GatewayHttp.AssertFakeResult(body.GetProperty("result"));
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
        Assert.Equal("MISS", next.Header("X-Cache"));
        Assert.NotEqual(body.GetProperty("job_id").GetGuid(), (await next.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        Assert.Equal(0, (await client.GetStatsAsync()).GetProperty("hits").GetInt64());
    }

    [Fact]
    public async Task Predict_MaxAgeZeroOnEntryASecondOld_IsMiss()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(time: clock, backends: backend);
        using var client = factory.CreateClient();
        var firstJob = await factory.StoreAsync(client, "fresh only");
        clock.Advance(TimeSpan.FromSeconds(1));

        using var response = await client.PredictAsync("fresh only", ("Cache-Control", "max-age=0"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("MISS", response.Header("X-Cache"));
        Assert.NotEqual(firstJob, (await response.ReadJsonAsync()).GetProperty("job_id").GetGuid());
    }

    [Fact]
    public async Task Predict_MaxAgeOnEntryOlderThanIt_IsMiss()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(time: clock, backends: backend);
        using var client = factory.CreateClient();
        await factory.StoreAsync(client, "aging");
        clock.Advance(TimeSpan.FromSeconds(31));

        using var response = await client.PredictAsync("aging", ("Cache-Control", "max-age=30"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("MISS", response.Header("X-Cache"));
        await backend.WaitForCallsAsync(2); // a 202 answers before its inference reaches the model
        Assert.Equal(2, backend.Calls);
    }

    [Fact]
    public async Task Predict_MaxAgeOnEntryExactlyThatOld_IsHit()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(time: clock, backends: backend);
        using var client = factory.CreateClient();
        await factory.StoreAsync(client, "aging");
        clock.Advance(TimeSpan.FromSeconds(30));

        using var response = await client.PredictAsync("aging", ("Cache-Control", "max-age=30"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HIT", response.Header("X-Cache"));
        Assert.Equal("30", response.Header("Age"));
    }

    [Fact]
    public async Task Predict_OnlyIfCachedOnMiss_Is504AndDoesNotInfer()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("never seen", ("Cache-Control", "only-if-cached"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.GatewayTimeout);
        Assert.Equal(response.Header("X-Cache-Key"), problem.GetProperty("cache_key").GetString());
        Assert.Equal(0, backend.Calls);
        var stats = await client.GetStatsAsync();
        Assert.Equal(0, stats.GetProperty("misses").GetInt64());
        Assert.Equal(0, stats.GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task Predict_OnlyIfCachedOnHit_Is200()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        var jobId = await factory.StoreAsync(client, "seen before");

        using var response = await client.PredictAsync("seen before", ("Cache-Control", "only-if-cached"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HIT", response.Header("X-Cache"));
        Assert.Equal(jobId, (await response.ReadJsonAsync()).GetProperty("job_id").GetGuid());
    }

    [Fact]
    public async Task Predict_OnlyIfCachedWhileInferring_Is504()
    {
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        using var first = await client.PredictAsync("in flight");

        using var response = await client.PredictAsync("in flight", ("Cache-Control", "only-if-cached"));

        await response.AssertProblemAsync(HttpStatusCode.GatewayTimeout);
        await backend.WaitForCallsAsync(1); // a 202 answers before its inference reaches the model
        Assert.Equal(1, backend.Calls);
        backend.Release();
    }

    [Fact]
    public async Task Predict_OnlyIfCachedBesideMalformedDirective_IsStillHonoured()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("never seen", ("Cache-Control", "max-age=soon, only-if-cached"));

        await response.AssertProblemAsync(HttpStatusCode.GatewayTimeout);
        Assert.Equal(0, backend.Calls);
    }

    [Theory]
    [InlineData("max-age=abc")]
    [InlineData("max-age=-1")]
    [InlineData("max-age")]
    [InlineData("no-such-directive")]
    [InlineData(",,,")]
    [InlineData("\"quoted\"")]
    public async Task Predict_MalformedOrUnknownDirectives_AreIgnored(string cacheControl)
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        var jobId = await factory.StoreAsync(client, "ignore the noise");

        using var response = await client.PredictAsync("ignore the noise", ("Cache-Control", cacheControl));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HIT", response.Header("X-Cache"));
        Assert.Equal(jobId, (await response.ReadJsonAsync()).GetProperty("job_id").GetGuid());
    }
}

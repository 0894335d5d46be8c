using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests;

/// <summary><c>POST /predict</c> with <c>Prefer: wait=N</c> (RFC 7240).</summary>
public sealed class PredictPreferWaitTests
{
    [Fact]
    public async Task Predict_WaitAndJobCompletesInTime_Is200WithResult()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(time: clock, backends: backend);
        using var client = factory.CreateClient();

        // Asked for before the request: the job wait's timer can be created before this test would get to ask.
        var waiting = clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(5));
        var pending = client.PredictAsync("wait for me", ("Prefer", "wait=5"));
        await waiting.WaitAsync(GatewayHttp.HangGuard);
        backend.Release();
        using var response = await pending.WaitAsync(GatewayHttp.HangGuard);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("MISS", response.Header("X-Cache"));
        Assert.Equal("wait=5", response.Header("Preference-Applied"));
        Assert.Matches("^[0-9a-f]{64}$", response.Header("X-Cache-Key"));
        var body = await response.ReadJsonAsync();
        Assert.Equal("completed", body.GetProperty("status").GetString());
        Assert.False(body.GetProperty("cached").GetBoolean());
        Assert.NotEqual(Guid.Empty, body.GetProperty("job_id").GetGuid());
        GatewayHttp.AssertFakeResult(body.GetProperty("result"));
    }

    [Fact]
    public async Task Predict_WaitWithBuiltinModel_Is200WithResult()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("a quick answer", ("Prefer", "wait=10"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("wait=10", response.Header("Preference-Applied"));
        Assert.Equal("MISS", response.Header("X-Cache"));
        var body = await response.ReadJsonAsync();
        Assert.False(body.GetProperty("cached").GetBoolean());
        GatewayHttp.AssertBuiltinResult(body.GetProperty("result"));
    }

    [Fact]
    public async Task Predict_WaitOverSixty_IsAppliedAsSixty()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(time: clock, backends: backend);
        using var client = factory.CreateClient();

        // Asked for before the request: the job wait's timer can be created before this test would get to ask.
        var waiting = clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(60));
        var pending = client.PredictAsync("patient", ("Prefer", "wait=600"));
        await waiting.WaitAsync(GatewayHttp.HangGuard);
        backend.Release();
        using var response = await pending.WaitAsync(GatewayHttp.HangGuard);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("wait=60", response.Header("Preference-Applied"));
    }

    [Fact]
    public async Task Predict_WaitRunsOut_Is202()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(time: clock, backends: backend);
        using var client = factory.CreateClient();

        // Asked for before the request: the job wait's timer can be created before this test would get to ask.
        var waiting = clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(5));
        var pending = client.PredictAsync("slow model", ("Prefer", "wait=5"));
        await waiting.WaitAsync(GatewayHttp.HangGuard);
        clock.Advance(TimeSpan.FromSeconds(5));
        using var response = await pending.WaitAsync(GatewayHttp.HangGuard);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("MISS", response.Header("X-Cache"));
        Assert.False(response.HasHeader("Preference-Applied"));
        var body = await response.ReadJsonAsync();
        var jobId = body.GetProperty("job_id").GetGuid();
        Assert.Equal("processing", body.GetProperty("status").GetString());
        Assert.Equal($"/jobs/{jobId}", response.Headers.Location?.OriginalString);
        backend.Release();
    }

    [Fact]
    public async Task Predict_WaitOnJoinedJob_ReturnsTheSharedJobsResult()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(time: clock, backends: backend);
        using var client = factory.CreateClient();
        using var first = await client.PredictAsync("shared");
        var jobId = (await first.ReadJsonAsync()).GetProperty("job_id").GetGuid();

        // Asked for before the request: the job wait's timer can be created before this test would get to ask.
        var waiting = clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(7));
        var pending = client.PredictAsync("shared", ("Prefer", "wait=7"));
        await waiting.WaitAsync(GatewayHttp.HangGuard);
        backend.Release();
        using var response = await pending.WaitAsync(GatewayHttp.HangGuard);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(jobId, (await response.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        Assert.Equal(1, backend.Calls);
        Assert.Equal(1, (await client.GetStatsAsync()).GetProperty("coalesced").GetInt64());
    }

    [Fact]
    public async Task Predict_WaitOnHit_IsPlainHit()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        await factory.StoreAsync(client, "stored");

        using var response = await client.PredictAsync("stored", ("Prefer", "wait=5"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HIT", response.Header("X-Cache"));
        Assert.False(response.HasHeader("Preference-Applied"));
    }

    [Theory]
    [InlineData("wait=0")]
    [InlineData("wait=abc")]
    [InlineData("wait=-3")]
    [InlineData("wait=1.5")]
    [InlineData("wait=99999999999999999999")]
    [InlineData("wait")]
    [InlineData("respond-async")]
    [InlineData(";;,,=")]
    public async Task Predict_WaitAbsentZeroOrMalformed_IsIgnored(string prefer)
    {
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("no waiting", ("Prefer", prefer));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.False(response.HasHeader("Preference-Applied"));
        backend.Release();
    }

    [Fact]
    public async Task Predict_WaitAmongOtherPreferences_IsApplied()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("several", ("Prefer", "respond-async, wait=9, handling=lenient"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("wait=9", response.Header("Preference-Applied"));
    }
}

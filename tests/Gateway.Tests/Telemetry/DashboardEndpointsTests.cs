using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests.Telemetry;

/// <summary><c>GET /dashboard</c> and <c>/dashboard/data</c>: served from the build, behind Dashboard:Enabled and Dashboard:ApiKey.</summary>
public sealed class DashboardEndpointsTests
{
    [Fact]
    public async Task Dashboard_Default_ServesThePageWithItsChartsAndNoExternalAssets()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/dashboard");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<canvas id=\"chart-activations\"", html, StringComparison.Ordinal);
        Assert.Contains("fetch(\"/dashboard/data\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashboardData_AfterRequests_CarriesTheStatsActivationsCallsAndShards()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        await factory.StoreAsync(client, "dashboard data text");
        (await client.PredictAsync("dashboard data text")).Dispose();

        using var response = await client.GetAsync("/dashboard/data");
        var data = await response.ReadJsonAsync();
        var stats = await client.GetStatsAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(stats.GetProperty("hits").GetInt64(), data.GetProperty("stats").GetProperty("hits").GetInt64());
        Assert.Equal(stats.GetProperty("activations").GetInt64(), data.GetProperty("stats").GetProperty("activations").GetInt64());
        Assert.Equal(1, data.GetProperty("activations").GetProperty("prediction").GetInt32());
        Assert.Equal(1, data.GetProperty("activations").GetProperty("cachedirectory").GetInt32());
        Assert.Equal([1.0], data.GetProperty("shards").EnumerateArray().Select(s => s.GetDouble()));
        Assert.Equal(1, data.GetProperty("jobs").GetProperty("completed").GetInt64());
        var tryGet = data.GetProperty("calls").EnumerateArray().Single(c => c.GetProperty("type").GetString() == "prediction" && c.GetProperty("method").GetString() == "TryGetAsync");
        Assert.Equal(2, tryGet.GetProperty("calls").GetDouble());
        var model = Assert.Single(data.GetProperty("inference").GetProperty("models").EnumerateArray());
        Assert.Equal("sentiment", model.GetProperty("model").GetString());
        Assert.Equal(1, model.GetProperty("timed").GetInt64());
    }

    [Theory]
    [InlineData("/dashboard")]
    [InlineData("/dashboard/data")]
    public async Task Dashboard_Disabled_Is404(string path)
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Dashboard:Enabled"] = "false" });
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(path);

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/dashboard")]
    [InlineData("/dashboard/data")]
    public async Task Dashboard_ApiKeySet_RequiresItInHeaderOrQuery(string path)
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Dashboard:ApiKey"] = "s3cret" });
        using var client = factory.CreateClient();

        using var none = await client.GetAsync(path);
        using var wrong = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Api-Key", "nope" } } });
        using var header = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Api-Key", "s3cret" } } });
        using var query = await client.GetAsync(path + "?api_key=s3cret");

        var problem = await none.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await wrong.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
    }
}

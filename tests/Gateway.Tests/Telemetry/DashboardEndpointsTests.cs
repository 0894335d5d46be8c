using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests.Telemetry;

/// <summary><c>GET /dashboard</c> and <c>/dashboard/data</c>: served from the build, behind Dashboard:Enabled and, with Auth:Keys, an admin key.</summary>
public sealed class DashboardEndpointsTests
{
    [Fact]
    public async Task Dashboard_Default_ServesThePageWithItsChartsAndNoExternalAssets()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/dashboard");
        using var script = await client.GetAsync("/dashboard/app.js");
        using var style = await client.GetAsync("/dashboard/app.css");
        var html = await response.Content.ReadAsStringAsync();
        var code = await script.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<canvas id=\"chart-activations\"", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
        Assert.Contains("fetch(\"/dashboard/data\"", code, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, style.StatusCode);
        Assert.Equal("text/css", style.Content.Headers.ContentType!.MediaType);
        foreach (var text in new[] { html, code, await style.Content.ReadAsStringAsync() })
        {
            Assert.DoesNotContain("http://", text, StringComparison.Ordinal);
            Assert.DoesNotContain("https://", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Dashboard_Page_HasNoInlineScriptOrStyle()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        var html = await client.GetStringAsync(new Uri("/dashboard", UriKind.Relative));

        Assert.Contains("<script src=\"/dashboard/app.js\" defer></script>", html, StringComparison.Ordinal);
        Assert.Contains("<link rel=\"stylesheet\" href=\"/dashboard/app.css\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<style", html, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"<[^>]*\son[a-z]+\s*=", html);
    }

    [Theory]
    [InlineData("/dashboard", null)]
    [InlineData("/dashboard/app.js", null)]
    [InlineData("/dashboard/app.css", null)]
    [InlineData("/dashboard/data", null)]
    [InlineData("/dashboard", true)]
    [InlineData("/dashboard/data", true)]
    public async Task Dashboard_AnyResponse_CarriesTheSecurityHeadersWithNoInlineScript(string path, bool? keysConfigured)
    {
        // With API keys configured, the request carries none: the 401 carries the headers too.
        await using var factory = new GatewayFactory(keysConfigured is true ? TestKeys.Settings() : null);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(keysConfigured is true ? HttpStatusCode.Unauthorized : HttpStatusCode.OK, response.StatusCode);
        var policy = AssertSecurityHeaders(response);
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("style-src 'self'", policy);
        Assert.Contains("connect-src 'self'", policy);
        Assert.DoesNotContain(policy, directive => directive.Contains("'unsafe-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/dashboard/orleans/", null)]
    [InlineData("/dashboard/orleans/index.min.js", null)]
    [InlineData("/dashboard/orleans/DashboardCounters", null)]
    [InlineData("/dashboard/orleans/", true)]
    public async Task OrleansDashboard_AnyResponse_CarriesTheSecurityHeadersWithNoInlineScript(string path, bool? keysConfigured)
    {
        await using var factory = new GatewayFactory(keysConfigured is true ? TestKeys.Settings() : null);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(keysConfigured is true ? HttpStatusCode.Unauthorized : HttpStatusCode.OK, response.StatusCode);
        var policy = AssertSecurityHeaders(response);
        Assert.Contains("default-src 'none'", policy);

        // Its charts style their elements inline; no script runs but its own bundle.
        Assert.Contains("style-src 'self' 'unsafe-inline'", policy);
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
        Assert.Equal(1, data.GetProperty("activations").GetProperty("predictioncache.prediction").GetInt32());
        Assert.Equal(1, data.GetProperty("activations").GetProperty("predictioncache.directory").GetInt32());
        Assert.DoesNotContain(data.GetProperty("activations").EnumerateObject(), a => a.Name.StartsWith("sys.", StringComparison.Ordinal));
        Assert.Equal([1.0], data.GetProperty("shards").EnumerateArray().Select(s => s.GetDouble()));
        Assert.Equal(1, data.GetProperty("jobs").GetProperty("completed").GetInt64());

        // The miss called the grain (and the inference's outcome came back in a call); the hit was answered without one.
        var calls = data.GetProperty("calls").EnumerateArray()
            .Where(c => c.GetProperty("type").GetString() == "predictioncache.prediction")
            .ToDictionary(c => c.GetProperty("method").GetString()!, c => c.GetProperty("calls").GetDouble());
        Assert.Equal(new Dictionary<string, double> { ["CompleteAsync"] = 1, ["GetOrStartAsync"] = 1 }, calls);
        var getOrStart = data.GetProperty("calls").EnumerateArray().Single(c => c.GetProperty("method").GetString() == "GetOrStartAsync");
        Assert.Equal(1, getOrStart.GetProperty("timed").GetInt64());
        var model = Assert.Single(data.GetProperty("inference").GetProperty("models").EnumerateArray());
        Assert.Equal("sentiment", model.GetProperty("model").GetString());
        Assert.Equal(1, model.GetProperty("timed").GetInt64());
    }

    [Fact]
    public async Task DashboardData_TwoHostsInOneProcess_EachCountsItsOwnActivations()
    {
        // Orleans' meter is created by each host's meter factory: two silos in one process do not mix their counts.
        await using var first = new GatewayFactory(backends: GatewayFakes.Model(open: true));
        await using var second = new GatewayFactory(backends: GatewayFakes.Model(open: true));
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();
        await first.StoreAsync(firstClient, "first host a");
        await first.StoreAsync(firstClient, "first host b");
        await second.StoreAsync(secondClient, "second host");

        var firstData = await firstClient.GetFromJsonAsync<JsonElement>("/dashboard/data");
        var secondData = await secondClient.GetFromJsonAsync<JsonElement>("/dashboard/data");

        Assert.Equal(2, firstData.GetProperty("activations").GetProperty("predictioncache.prediction").GetInt32());
        Assert.Equal(1, secondData.GetProperty("activations").GetProperty("predictioncache.prediction").GetInt32());
    }

    [Fact]
    public async Task Dashboard_LinksToTheOrleansDashboard()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        var html = await client.GetStringAsync(new Uri("/dashboard", UriKind.Relative));

        Assert.Contains("<a id=\"orleans-dashboard\" href=\"/dashboard/orleans/\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrleansDashboard_Default_ServesItsPageAndItsApi()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var page = await client.GetAsync(new Uri("/dashboard/orleans/", UriKind.Relative));
        using var counters = await client.GetAsync(new Uri("/dashboard/orleans/DashboardCounters", UriKind.Relative));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("index.min.js", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
        Assert.True((await counters.ReadJsonAsync()).TryGetProperty("hosts", out _));
    }

    [Fact]
    public async Task OpenApi_LeavesTheOrleansDashboardOut()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        var description = await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.DoesNotContain("/dashboard/orleans", description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/dashboard")]
    [InlineData("/dashboard/data")]
    [InlineData("/dashboard/orleans/")]
    [InlineData("/dashboard/orleans/DashboardCounters")]
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
    [InlineData("/dashboard/orleans/")]
    [InlineData("/dashboard/orleans/DashboardCounters")]
    public async Task Dashboard_KeysConfigured_NeedsAnAdminKeyInAHeaderOrTheQuery(string path)
    {
        await using var factory = new GatewayFactory(TestKeys.Settings());
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });

        using var none = await client.GetAsync(path);
        using var wrong = await client.SendAsync(TestKeys.Header(HttpMethod.Get, path, "nope"));
        using var predict = await client.GetAsync(path + "?api_key=" + TestKeys.Predict);
        using var header = await client.SendAsync(TestKeys.Header(HttpMethod.Get, path, TestKeys.Admin));
        using var bearer = await client.SendAsync(TestKeys.Bearer(HttpMethod.Get, path, TestKeys.Admin));
        using var query = await client.GetAsync(path + "?api_key=" + TestKeys.Admin);

        var problem = await none.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("?api_key=", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await wrong.AssertProblemAsync(HttpStatusCode.Unauthorized);
        await predict.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
    }

    [Fact]
    public async Task OrleansDashboard_AdminKeyInQuery_SetsTheCookieItsOwnRequestsCarry()
    {
        await using var factory = new GatewayFactory(TestKeys.Settings());
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var key = TestKeys.Admin;

        using var none = await client.GetAsync(new Uri("/dashboard/orleans", UriKind.Relative));
        using var header = await client.SendAsync(TestKeys.Header(HttpMethod.Get, "/dashboard/orleans/", key));
        using var redirect = await client.GetAsync(new Uri($"/dashboard/orleans?api_key={key}", UriKind.Relative));
        using var query = await client.GetAsync(new Uri($"/dashboard/orleans/?api_key={key}", UriKind.Relative));
        var cookie = query.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        using var page = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/dashboard/orleans/") { Headers = { { "Cookie", cookie } } });
        using var script = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/dashboard/orleans/index.min.js") { Headers = { { "Cookie", cookie } } });
        using var counters = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/dashboard/orleans/DashboardCounters") { Headers = { { "Cookie", cookie } } });
        using var wrongCookie = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/dashboard/orleans/DashboardCounters") { Headers = { { "Cookie", "predictioncache_dashboard_key=nope" } } });
        using var predictCookie = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/dashboard/data") { Headers = { { "Cookie", $"predictioncache_dashboard_key={TestKeys.Predict}" } } });
        using var data = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/dashboard/data") { Headers = { { "Cookie", cookie } } });
        using var outside = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/cluster") { Headers = { { "Cookie", cookie } } });

        await none.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);
        Assert.False(header.HasHeader("Set-Cookie"));

        // Orleans' trailing-slash redirect keeps the query, so the page it leads to sets the cookie.
        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal($"/dashboard/orleans/?api_key={key}", redirect.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
        var setCookie = query.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith($"predictioncache_dashboard_key={key};", setCookie, StringComparison.Ordinal);
        Assert.Contains("path=/dashboard", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
        Assert.True((await counters.ReadJsonAsync()).TryGetProperty("hosts", out _));
        await wrongCookie.AssertProblemAsync(HttpStatusCode.Unauthorized);
        await predictCookie.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, data.StatusCode);

        // The cookie is the dashboards' alone: elsewhere it is no key.
        await outside.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    /// <summary>Asserts the headers every dashboard response carries; returns the policy's directives.</summary>
    private static string[] AssertSecurityHeaders(HttpResponseMessage response)
    {
        var policy = response.Header("Content-Security-Policy").Split(';', StringSplitOptions.TrimEntries);
        Assert.Contains("script-src 'self'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Equal("nosniff", response.Header("X-Content-Type-Options"));
        Assert.Equal("no-referrer", response.Header("Referrer-Policy"));
        return policy;
    }
}

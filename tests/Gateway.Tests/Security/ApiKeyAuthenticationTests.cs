using System.Net;
using System.Net.Http.Headers;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests.Security;

/// <summary>
/// The API keys over HTTP: <c>401</c> (with <c>WWW-Authenticate: Bearer</c>) without a known key, <c>403</c> for a key
/// without the endpoint's role, the call itself with a key in either header; health and the API description stay open.
/// </summary>
public sealed class ApiKeyAuthenticationTests(SecuredGateway gateway) : IClassFixture<SecuredGateway>
{
    private const string UnknownKey = "pck_this-key-is-not-configured-xyzzy";

    public static TheoryData<string, string> PredictKeyPaths => new()
    {
        { "GET", "/cache/stats" },
        { "GET", "/models" },
        { "GET", "/jobs/00000000-0000-0000-0000-000000000001" },
        { "DELETE", "/cache/entries/no-such-key" },
    };

    public static TheoryData<string, string> AdminPaths => new()
    {
        { "DELETE", "/cache" },
        { "GET", "/cluster" },
        { "GET", "/metrics" },
        { "GET", "/dashboard" },
        { "GET", "/dashboard/data" },
        { "GET", "/dashboard/orleans/" },
        { "GET", "/dashboard/orleans/DashboardCounters" },
    };

    [Theory]
    [InlineData("none", null)]
    [InlineData("Authorization", "Bearer " + UnknownKey)]
    [InlineData("X-Api-Key", UnknownKey)]
    [InlineData("Authorization", "Basic " + UnknownKey)]
    [InlineData("Authorization", "Bearer")]
    [InlineData("Authorization", "Bearer    ")]
    [InlineData("X-Api-Key", "  ")]
    public async Task Predict_WithoutAKnownKey_Is401WithWwwAuthenticateBearer_AndNeverEchoesTheKey(string header, string? value)
    {
        using var request = GatewayHttp.PredictRequest("a text that needs a key");
        if (value is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        using var response = await gateway.Client.SendAsync(request);

        var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("xyzzy", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("xyzzy", response.Headers.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownKey_SaysTheKeyIsNotValid_AndMissingKeySaysThereIsNone()
    {
        using var unknown = await gateway.Client.SendAsync(TestKeys.Bearer(HttpMethod.Get, "/cache/stats", UnknownKey));
        using var missing = await gateway.Client.GetAsync(new Uri("/cache/stats", UriKind.Relative));

        var unknownProblem = await unknown.AssertProblemAsync(HttpStatusCode.Unauthorized);
        var missingProblem = await missing.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.StartsWith("The API key is not valid.", unknownProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Bearer error=\"invalid_token\"", unknown.Headers.WwwAuthenticate.ToString());
        Assert.StartsWith("The request carries no API key.", missingProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [MemberData(nameof(PredictKeyPaths))]
    [MemberData(nameof(AdminPaths))]
    public async Task EveryKeyedEndpoint_WithoutAKey_Is401(string method, string path)
    {
        using var response = await gateway.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(AdminPaths))]
    public async Task AdminEndpoint_WithAPredictKey_Is403NamingTheKeyAndTheRole(string method, string path)
    {
        using var response = await gateway.Client.SendAsync(TestKeys.Bearer(new HttpMethod(method), path, TestKeys.Predict));

        var problem = await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("'reader'", detail, StringComparison.Ordinal);
        Assert.Contains("'admin' role", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(TestKeys.Predict, problem.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PredictKeyPaths))]
    public async Task PredictEndpoint_WithAPredictOrAnAdminKey_InEitherHeader_IsServed(string method, string path)
    {
        foreach (var request in new[]
        {
            TestKeys.Bearer(new HttpMethod(method), path, TestKeys.Predict),
            TestKeys.Header(new HttpMethod(method), path, TestKeys.Predict),
            TestKeys.Bearer(new HttpMethod(method), path, TestKeys.Admin),
            TestKeys.Header(new HttpMethod(method), path, TestKeys.Admin),
        })
        {
            using (request)
            using (var response = await gateway.Client.SendAsync(request))
            {
                // Served: the endpoint's own answer (the job and the entry do not exist).
                Assert.True(
                    response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound,
                    $"{method} {path} with {request.Headers}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                Assert.False(response.Headers.WwwAuthenticate.Count > 0);
            }
        }
    }

    [Fact]
    public async Task Predict_WithAPredictKey_AsBearerOrHeader_IsAcceptedAndItsJobIsReadable()
    {
        using var bearer = TestKeys.Bearer(HttpMethod.Post, "/predict", TestKeys.Predict);
        bearer.Content = GatewayHttp.Json(new { text = "keyed bearer text" });
        using var header = TestKeys.Header(HttpMethod.Post, "/predict", TestKeys.Predict);
        header.Content = GatewayHttp.Json(new { text = "keyed bearer text" });

        using var first = await gateway.Client.SendAsync(bearer);
        using var second = await gateway.Client.SendAsync(header);
        var jobId = (await first.ReadJsonAsync()).GetProperty("job_id").GetGuid();
        using var job = await gateway.Client.SendAsync(TestKeys.Header(HttpMethod.Get, $"/jobs/{jobId}", TestKeys.Predict));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.True(second.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{(int)second.StatusCode}");
        Assert.Equal(HttpStatusCode.OK, job.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/cluster")]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/dashboard")]
    [InlineData("GET", "/dashboard/data")]
    public async Task AdminEndpoint_WithAnAdminKey_IsServed(string method, string path)
    {
        using var response = await gateway.Client.SendAsync(TestKeys.Header(new HttpMethod(method), path, TestKeys.Admin));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/swagger")]
    [InlineData("/swagger/index.html")]
    public async Task HealthAndTheApiDescription_NeedNoKey(string path)
    {
        using var response = await gateway.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task UnknownPath_IsRefusedWithoutAKey_AndNotFoundWithOne()
    {
        using var without = await gateway.Client.GetAsync(new Uri("/no/such/path", UriKind.Relative));
        using var with = await gateway.Client.SendAsync(TestKeys.Bearer(HttpMethod.Get, "/no/such/path", TestKeys.Predict));

        await without.AssertProblemAsync(HttpStatusCode.Unauthorized);
        await with.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task KeyInTheQuery_OutsideTheDashboard_IsIgnored()
    {
        using var response = await gateway.Client.GetAsync(new Uri($"/cache/stats?api_key={TestKeys.Admin}", UriKind.Relative));

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.False(response.HasHeader("Set-Cookie"));
    }

    [Fact]
    public async Task KeySentTwice_Is401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/cache/stats");
        request.Headers.TryAddWithoutValidation("X-Api-Key", [TestKeys.Predict, TestKeys.Predict]);

        using var response = await gateway.Client.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task BearerSchemeName_IsCaseInsensitive()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/cache/stats") { Headers = { Authorization = new AuthenticationHeaderValue("bearer", TestKeys.Predict) } };

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

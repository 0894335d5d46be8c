using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests;

/// <summary>
/// CORS: none unless <c>Gateway:Cors:AllowedOrigins</c> lists origins; then exactly those origins, with the API's
/// methods and headers, and the cache's response headers exposed.
/// </summary>
public sealed class GatewayCorsTests
{
    private const string Allowed = "https://app.example.com";
    private const string Other = "https://evil.example.net";

    private static readonly Dictionary<string, string?> Configured = new()
    {
        ["Gateway:Cors:AllowedOrigins:0"] = Allowed,
        ["Gateway:Cors:AllowedOrigins:1"] = "http://localhost:3000",
    };

    [Fact]
    public async Task Preflight_NoOriginsConfigured_HasNoCorsHeaders()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(Preflight(Allowed));

        Assert.DoesNotContain(response.Headers, header => header.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Preflight_AllowedOrigin_IsAllowedWithTheApisMethodsAndHeaders()
    {
        await using var factory = new GatewayFactory(Configured);
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(Preflight(Allowed));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(Allowed, response.Header("Access-Control-Allow-Origin"));
        Assert.Equal(["GET", "POST", "DELETE"], response.Header("Access-Control-Allow-Methods").Split(','));
        Assert.Equal(
            ["content-type", "authorization", "x-api-key", "prefer", "cache-control"],
            response.Header("Access-Control-Allow-Headers").Split(',').Select(h => h.ToLowerInvariant()));
    }

    [Theory]
    [InlineData(Other)]
    [InlineData("https://app.example.com.evil.example.net")]
    [InlineData("http://app.example.com")]
    [InlineData("null")]
    public async Task Preflight_OtherOrigin_GetsNoAllowOrigin(string origin)
    {
        await using var factory = new GatewayFactory(Configured);
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(Preflight(origin));

        Assert.False(response.HasHeader("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("PUT", "content-type")]
    [InlineData("PATCH", "content-type")]
    [InlineData("POST", "content-type,x-debug")]
    public async Task Preflight_UnlistedMethodOrHeader_IsNotAllowed(string method, string headers)
    {
        await using var factory = new GatewayFactory(Configured);
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(Preflight(Allowed, method, headers));

        // The browser sends the request only when the lists name its method and every header it asked for.
        var methods = List(response, "Access-Control-Allow-Methods");
        var allowedHeaders = List(response, "Access-Control-Allow-Headers");
        Assert.False(
            methods.Contains(method) && headers.Split(',').All(allowedHeaders.Contains),
            $"{method} with {headers} is allowed: {string.Join(',', methods)}; {string.Join(',', allowedHeaders)}");
    }

    [Fact]
    public async Task Predict_AllowedOrigin_ExposesTheCacheHeaders()
    {
        await using var factory = new GatewayFactory(Configured, backends: GatewayFakes.Model(open: true));
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("from a page", ("Origin", Allowed));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(Allowed, response.Header("Access-Control-Allow-Origin"));
        Assert.Equal(["X-Cache", "X-Cache-Key", "Age", "Location", "Retry-After"], response.Header("Access-Control-Expose-Headers").Split(','));
    }

    [Fact]
    public async Task Predict_OtherOrigin_IsAnsweredWithoutCorsHeaders()
    {
        await using var factory = new GatewayFactory(Configured, backends: GatewayFakes.Model(open: true));
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("from another page", ("Origin", Other));

        // The server answers; the browser keeps the answer from the page.
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.DoesNotContain(response.Headers, header => header.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    private static HashSet<string> List(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values)
            ? values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.OrdinalIgnoreCase)
            : [];

    private static HttpRequestMessage Preflight(string origin, string method = "POST", string headers = "content-type,x-api-key") =>
        new(HttpMethod.Options, "/predict")
        {
            Headers =
            {
                { "Origin", origin },
                { "Access-Control-Request-Method", method },
                { "Access-Control-Request-Headers", headers },
            },
        };
}

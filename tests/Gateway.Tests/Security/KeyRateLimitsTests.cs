using System.Globalization;
using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests.Security;

/// <summary>
/// The per-key rate limit. A key with a burst of N and a rate of one request in ~17 minutes: N requests pass and the
/// next is 429, with no assumption on timing; another key is unaffected.
/// </summary>
public sealed class KeyRateLimitsTests
{
    private const string Slow = "pck_slow-key";
    private const string Other = "pck_other-key";

    [Fact]
    public async Task KeyOverItsBurst_Is429WithRetryAfter_WhileAnotherKeyIsServed()
    {
        await using var factory = new GatewayFactory(TestKeys.Settings(
            new TestKeys.Key("slow", Slow, ["predict"], RequestsPerSecond: 0.001, Burst: 3),
            new TestKeys.Key("other", Other, ["admin"])));
        using var client = factory.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var admitted = await client.SendAsync(TestKeys.Bearer(HttpMethod.Get, "/cache/stats", Slow));
            statuses.Add(admitted.StatusCode);
        }

        using var refused = await client.SendAsync(TestKeys.Header(HttpMethod.Get, "/models", Slow));
        using var other = await client.SendAsync(TestKeys.Bearer(HttpMethod.Get, "/cache/stats", Other));
        using var metrics = await client.SendAsync(TestKeys.Bearer(HttpMethod.Get, "/metrics", Other));
        var scrape = await metrics.Content.ReadAsStringAsync();

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        var problem = await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("'slow'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var retryAfter = int.Parse(refused.Header("Retry-After"), NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.True(retryAfter >= 1, $"Retry-After: {retryAfter}");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Contains("predictioncache_requests_rate_limited", scrape, StringComparison.Ordinal);
        Assert.Contains("key_name=\"slow\"", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedRequests_CountAgainstNoKey()
    {
        await using var factory = new GatewayFactory(TestKeys.Settings(new TestKeys.Key("slow", Slow, ["predict"], RequestsPerSecond: 0.001, Burst: 1)));
        using var client = factory.CreateClient();

        // Neither a request without a key nor one the key may not make (403) spends the key's one token.
        using var anonymous = await client.GetAsync(new Uri("/cache/stats", UriKind.Relative));
        using var forbidden = await client.SendAsync(TestKeys.Bearer(HttpMethod.Delete, "/cache", Slow));
        using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));
        using var admitted = await client.SendAsync(TestKeys.Bearer(HttpMethod.Get, "/cache/stats", Slow));
        using var refused = await client.SendAsync(TestKeys.Bearer(HttpMethod.Get, "/cache/stats", Slow));

        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized);
        await forbidden.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }
}

using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests.Security;

/// <summary>With no keys configured the gateway is open, as before keys existed: no key asked, none checked, no limit.</summary>
public sealed class OpenGatewayTests
{
    [Fact]
    public async Task NoKeys_EveryEndpointAnswersWithoutAKey_AndAKeyIsIgnored()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var stats = await client.GetAsync(new Uri("/cache/stats", UriKind.Relative));
        using var cluster = await client.GetAsync(new Uri("/cluster", UriKind.Relative));
        using var dashboard = await client.GetAsync(new Uri("/dashboard", UriKind.Relative));
        using var clear = await client.DeleteAsync(new Uri("/cache", UriKind.Relative));
        using var withKey = await client.SendAsync(TestKeys.Bearer(HttpMethod.Get, "/models", "pck_whatever"));
        using var document = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cluster.StatusCode);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal(HttpStatusCode.OK, clear.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.False(stats.HasHeader("WWW-Authenticate"));

        // Nothing in the description asks for a key the gateway does not ask for.
        Assert.DoesNotContain("securitySchemes", await document.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

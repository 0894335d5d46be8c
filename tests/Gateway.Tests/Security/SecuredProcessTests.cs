using System.Net;
using PredictionCache.Gateway.Security;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Security;

/// <summary>
/// End to end: the real gateway process over real HTTP with two tenants, a model they share and a global admin; and
/// the refusal to start open where the network can reach it.
/// </summary>
public sealed class SecuredProcessTests
{
    private const string AcmeApp = "pck_e2e-acme-app-0001";
    private const string AcmeAdmin = "pck_e2e-acme-admin-0002";
    private const string GlobexApp = "pck_e2e-globex-app-0003";
    private const string Ops = "pck_e2e-ops-0004";
    private const string Limited = "pck_e2e-limited-0005";

    private static readonly TestKeys.Key[] Keys =
    [
        new("acme-app", AcmeApp, ["predict"], "acme"),
        new("acme-admin", AcmeAdmin, ["admin"], "acme"),
        new("globex-app", GlobexApp, ["predict"], "globex"),
        new("ops", Ops, ["predict", "admin"]),

        // One request per 1,000 s after a burst of 3: the fourth is refused however slow the machine is.
        new("limited", Limited, ["predict"], "globex", RequestsPerSecond: 0.001, Burst: 3),
    ];

    [Fact]
    public async Task Process_TwoTenantsASharedModelAndAnAdmin_AreKeptApart()
    {
        // Arrange
        string[] settings =
        [
            .. TestKeys.Settings(Keys).Select(s => $"--{s.Key}={s.Value}"),
            "--Models:0:Name=sentiment",
            "--Models:1:Name=public-sentiment",
            "--Models:1:Shared=true",
        ];
        await using var gateway = await GatewayProcess.StartAsync(settings);
        var client = gateway.Client;

        // 401 without a key or with an unknown one; the key is never echoed.
        using var anonymous = await client.SendAsync(GatewayHttp.PredictRequest("great movie"));
        var problem = await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.StartsWith("Bearer", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        using var unknown = await client.PredictWithKeyAsync("pck_not-a-configured-key", "great movie");
        Assert.DoesNotContain("pck_not-a-configured-key", (await unknown.AssertProblemAsync(HttpStatusCode.Unauthorized)).GetRawText(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));

        // Each tenant infers its own entry for the same text; the shared model infers once for both.
        using var acme = await client.PredictWithKeyAsync(AcmeApp, "great movie", wait: true);
        using var globex = await client.PredictWithKeyAsync(GlobexApp, "great movie", wait: true);
        using var acmeShared = await client.PredictWithKeyAsync(AcmeApp, "great movie", "public-sentiment", wait: true);
        using var globexShared = await client.PredictWithKeyAsync(GlobexApp, "great movie", "public-sentiment");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (acme.StatusCode, globex.StatusCode, acmeShared.StatusCode));
        Assert.NotEqual(acme.Header("X-Cache-Key"), globex.Header("X-Cache-Key"));
        Assert.Equal("HIT", globexShared.Header("X-Cache"));
        Assert.Equal(await JobIdOf(acmeShared), await JobIdOf(globexShared));
        using var models = await client.SendWithKeyAsync(HttpMethod.Get, "/models", Ops);
        var inferences = (await models.ReadJsonAsync()).GetProperty("models").EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("stats").GetProperty("inferences").GetInt64());
        Assert.Equal((2L, 1L), (inferences["sentiment"], inferences["public-sentiment"]));

        // Isolation: globex neither reads acme's job, nor removes its entry, nor reads its stats.
        var acmeJob = await JobIdOf(acme);
        using var jobByGlobex = await client.SendWithKeyAsync(HttpMethod.Get, $"/jobs/{acmeJob}", GlobexApp);
        await jobByGlobex.AssertProblemAsync(HttpStatusCode.NotFound);
        using var removeByGlobex = await client.SendWithKeyAsync(HttpMethod.Delete, $"/cache/entries/{acme.Header("X-Cache-Key")}", GlobexApp);
        await removeByGlobex.AssertProblemAsync(HttpStatusCode.NotFound);
        using var statsByGlobex = await client.SendWithKeyAsync(HttpMethod.Get, "/cache/stats?tenant=acme", GlobexApp);
        await statsByGlobex.AssertProblemAsync(HttpStatusCode.Forbidden);
        using var acmeStats = await client.SendWithKeyAsync(HttpMethod.Get, "/cache/stats", AcmeApp);
        var stats = await acmeStats.ReadJsonAsync();
        Assert.Equal(("acme", 1L, 1L), (stats.GetProperty("tenant").GetString(), stats.GetProperty("misses").GetInt64(), stats.GetProperty("stored_entries").GetInt64()));

        // Roles: a predict key may not clear; a tenant's admin may, its own tenant only, and may not see the cluster.
        using var clearByApp = await client.SendWithKeyAsync(HttpMethod.Delete, "/cache", AcmeApp);
        await clearByApp.AssertProblemAsync(HttpStatusCode.Forbidden);
        using var clusterByTenantAdmin = await client.SendWithKeyAsync(HttpMethod.Get, "/cluster", AcmeAdmin);
        await clusterByTenantAdmin.AssertProblemAsync(HttpStatusCode.Forbidden);
        using var clearByAcmeAdmin = await client.SendWithKeyAsync(HttpMethod.Delete, "/cache", AcmeAdmin);
        Assert.Equal(HttpStatusCode.OK, clearByAcmeAdmin.StatusCode);
        using var acmeAfter = await client.PredictWithKeyAsync(AcmeApp, "great movie", headers: ("Cache-Control", "only-if-cached"));
        await acmeAfter.AssertProblemAsync(HttpStatusCode.GatewayTimeout);
        using var globexAfter = await client.PredictWithKeyAsync(GlobexApp, "great movie");
        using var sharedAfter = await client.PredictWithKeyAsync(AcmeApp, "great movie", "public-sentiment");
        Assert.Equal(("HIT", "HIT"), (globexAfter.Header("X-Cache"), sharedAfter.Header("X-Cache")));

        // The global admin sees the cluster and clears everything.
        using var cluster = await client.SendWithKeyAsync(HttpMethod.Get, "/cluster", Ops);
        Assert.Equal(HttpStatusCode.OK, cluster.StatusCode);
        using var clearAll = await client.SendWithKeyAsync(HttpMethod.Delete, "/cache", Ops);
        Assert.Equal(0, (await clearAll.ReadJsonAsync()).GetProperty("stats").GetProperty("stored_entries").GetInt64());

        // 429 for the limited key once its burst is spent, with Retry-After; other keys are served.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.SendWithKeyAsync(HttpMethod.Get, "/cache/stats", Limited);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await response.AssertProblemAsync(HttpStatusCode.TooManyRequests);
                Assert.True(int.Parse(response.Header("Retry-After"), System.Globalization.CultureInfo.InvariantCulture) >= 1);
            }
        }

        using var otherKey = await client.SendWithKeyAsync(HttpMethod.Get, "/cache/stats", GlobexApp);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, otherKey.StatusCode);

        // No secret in the process's output.
        Assert.All(Keys, key => Assert.DoesNotContain(key.Secret, gateway.Output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Process_NoKeysOnANonLoopbackAddress_RefusesToStartUnlessAllowAnonymous()
    {
        // Arrange
        var port = FreePorts.Next();

        // Act: the later --urls wins over the loopback one the test launcher gives; the test reaches it on loopback.
        var (exitCode, output) = await GatewayProcess.RunToExitAsync("--urls", $"http://0.0.0.0:{port}");
        await using var open = await GatewayProcess.StartAsync(
            new Uri($"http://127.0.0.1:{port}"), "--urls", $"http://0.0.0.0:{port}", "--Auth:AllowAnonymous=true");
        using var health = await open.Client.GetAsync(new Uri("/health", UriKind.Relative));

        // Assert
        Assert.NotEqual(0, exitCode);
        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, AuthOptionsValidator.OpenOnNetworkMessage, $"http://0.0.0.0:{port}"), output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static async Task<Guid> JobIdOf(HttpResponseMessage response) => (await response.ReadJsonAsync()).GetProperty("job_id").GetGuid();
}

using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Models;

namespace PredictionCache.Gateway.Tests.Security;

/// <summary>
/// Tenants over HTTP: each tenant's key reads and fills its own entries, sees its own jobs, stats and clears; a shared
/// model's entries serve every tenant; a tenant at its in-flight cap is refused alone.
/// </summary>
public sealed class TenantEndpointsTests
{
    private const string AcmeApp = "pck_acme-app-key-0001";
    private const string AcmeAdmin = "pck_acme-admin-key-0002";
    private const string GlobexApp = "pck_globex-app-key-0003";
    private const string Ops = "pck_ops-global-admin-0004";
    private const string Reader = "pck_global-reader-0005";

    private static readonly TestKeys.Key[] Keys =
    [
        new("acme-app", AcmeApp, ["predict"], "acme"),
        new("acme-admin", AcmeAdmin, ["predict", "admin"], "acme"),
        new("globex-app", GlobexApp, ["predict"], "globex"),
        new("ops", Ops, ["predict", "admin"]),
        new("reader", Reader, ["predict"]),
    ];

    [Fact]
    public async Task Predict_SameTextTwoTenants_EachInfersUnderItsOwnKey()
    {
        // Arrange
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(TestKeys.Settings(Keys), backends: backend);
        using var client = factory.CreateClient();

        // Act
        using var acme = await client.PredictWithKeyAsync(AcmeApp, "a fine film", wait: true);
        using var globex = await client.PredictWithKeyAsync(GlobexApp, "a fine film", wait: true);
        using var acmeAgain = await client.PredictWithKeyAsync(AcmeApp, "A  fine film");

        // Assert
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (acme.StatusCode, globex.StatusCode));
        Assert.Equal(KeyBuilder.Build(backend.Model, "a fine film", "acme"), acme.Header("X-Cache-Key"));
        Assert.Equal(KeyBuilder.Build(backend.Model, "a fine film", "globex"), globex.Header("X-Cache-Key"));
        Assert.Equal(2, backend.Calls);
        Assert.Equal(("HIT", acme.Header("X-Cache-Key")), (acmeAgain.Header("X-Cache"), acmeAgain.Header("X-Cache-Key")));
        Assert.Equal(await JobIdOf(acme), await JobIdOf(acmeAgain));
    }

    [Fact]
    public async Task Predict_SharedModel_OneInferenceServesEveryTenant()
    {
        // Arrange: the built-in model twice, once private to each tenant and once shared.
        await using var factory = new GatewayFactory(new Dictionary<string, string?>(TestKeys.Settings(Keys))
        {
            ["Models:0:Name"] = "sentiment",
            ["Models:1:Name"] = "public-sentiment",
            ["Models:1:Shared"] = "true",
        });
        using var client = factory.CreateClient();

        // Act
        using var acme = await client.PredictWithKeyAsync(AcmeApp, "a fine film", "public-sentiment", wait: true);
        using var globex = await client.PredictWithKeyAsync(GlobexApp, "a fine film", "public-sentiment");
        using var models = await client.SendWithKeyAsync(HttpMethod.Get, "/models", Ops);
        var shared = (await models.ReadJsonAsync()).GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "public-sentiment");

        // Assert
        Assert.Equal(HttpStatusCode.OK, acme.StatusCode);
        Assert.Equal("HIT", globex.Header("X-Cache"));
        Assert.Equal(acme.Header("X-Cache-Key"), globex.Header("X-Cache-Key"));
        Assert.Equal(KeyBuilder.Build(new ModelDescriptor("public-sentiment", "1"), "a fine film"), globex.Header("X-Cache-Key"));
        Assert.Equal(await JobIdOf(acme), await JobIdOf(globex));
        Assert.True(shared.GetProperty("shared").GetBoolean());
        Assert.Equal(1, shared.GetProperty("stats").GetProperty("inferences").GetInt64());

        // The shared job is no tenant's: every tenant that joined it may read it.
        using var job = await client.SendWithKeyAsync(HttpMethod.Get, $"/jobs/{await JobIdOf(acme)}", GlobexApp);
        Assert.Equal(HttpStatusCode.OK, job.StatusCode);
    }

    [Fact]
    public async Task GetJob_AnotherTenantsJob_IsNotFound()
    {
        // Arrange
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(TestKeys.Settings(Keys), backends: backend);
        using var client = factory.CreateClient();
        using var miss = await client.PredictWithKeyAsync(AcmeApp, "private text");
        var jobId = await JobIdOf(miss);
        await factory.WaitForJobAsync(jobId);

        // Act
        using var byGlobex = await client.SendWithKeyAsync(HttpMethod.Get, $"/jobs/{jobId}", GlobexApp);
        using var byAcme = await client.SendWithKeyAsync(HttpMethod.Get, $"/jobs/{jobId}", AcmeApp);
        using var byGlobal = await client.SendWithKeyAsync(HttpMethod.Get, $"/jobs/{jobId}", Reader);

        // Assert: the same answer as for an id that does not exist.
        var problem = await byGlobex.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal($"No job {jobId}.", problem.GetProperty("detail").GetString());
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (byAcme.StatusCode, byGlobal.StatusCode));
    }

    [Fact]
    public async Task DeleteEntry_AnotherTenantsKey_IsNotFoundAndTheEntryStays()
    {
        // Arrange
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(TestKeys.Settings(Keys), backends: backend);
        using var client = factory.CreateClient();
        using var stored = await client.PredictWithKeyAsync(AcmeApp, "private text", wait: true);
        var key = stored.Header("X-Cache-Key");

        // Act
        using var byGlobex = await client.SendWithKeyAsync(HttpMethod.Delete, $"/cache/entries/{key}", GlobexApp);
        using var stillCached = await client.PredictWithKeyAsync(AcmeApp, "private text");
        using var byAcme = await client.SendWithKeyAsync(HttpMethod.Delete, $"/cache/entries/{key}", AcmeApp);
        using var gone = await client.PredictWithKeyAsync(AcmeApp, "private text", headers: ("Cache-Control", "only-if-cached"));

        // Assert
        await byGlobex.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("HIT", stillCached.Header("X-Cache"));
        Assert.Equal(HttpStatusCode.NoContent, byAcme.StatusCode);
        await gone.AssertProblemAsync(HttpStatusCode.GatewayTimeout);
    }

    [Fact]
    public async Task Clear_ByATenantsAdmin_ClearsThatTenantOnly_ByAGlobalAdmin_ClearsAll()
    {
        // Arrange
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(TestKeys.Settings(Keys), backends: backend);
        using var client = factory.CreateClient();
        (await client.PredictWithKeyAsync(AcmeApp, "text", wait: true)).Dispose();
        (await client.PredictWithKeyAsync(GlobexApp, "text", wait: true)).Dispose();

        // Act
        using var byAcmeApp = await client.SendWithKeyAsync(HttpMethod.Delete, "/cache", AcmeApp);
        using var byAcmeAdmin = await client.SendWithKeyAsync(HttpMethod.Delete, "/cache", AcmeAdmin);
        using var acme = await client.PredictWithKeyAsync(AcmeApp, "text", headers: ("Cache-Control", "only-if-cached"));
        using var globex = await client.PredictWithKeyAsync(GlobexApp, "text", headers: ("Cache-Control", "only-if-cached"));
        using var byOps = await client.SendWithKeyAsync(HttpMethod.Delete, "/cache", Ops);
        using var globexAfter = await client.PredictWithKeyAsync(GlobexApp, "text", headers: ("Cache-Control", "only-if-cached"));

        // Assert
        await byAcmeApp.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, byAcmeAdmin.StatusCode);
        var cleared = await byAcmeAdmin.ReadJsonAsync();
        Assert.Equal("Cache cleared for tenant 'acme'", cleared.GetProperty("message").GetString());
        Assert.Equal("acme", cleared.GetProperty("stats").GetProperty("tenant").GetString());
        await acme.AssertProblemAsync(HttpStatusCode.GatewayTimeout);
        Assert.Equal("HIT", globex.Header("X-Cache"));
        Assert.Equal(HttpStatusCode.OK, byOps.StatusCode);
        Assert.Equal("Cache cleared", (await byOps.ReadJsonAsync()).GetProperty("message").GetString());
        await globexAfter.AssertProblemAsync(HttpStatusCode.GatewayTimeout);
    }

    [Fact]
    public async Task Stats_ATenantsKeySeesItsOwn_OthersNeedAGlobalAdmin()
    {
        // Arrange
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(TestKeys.Settings(Keys), backends: backend);
        using var client = factory.CreateClient();
        (await client.PredictWithKeyAsync(AcmeApp, "one", wait: true)).Dispose();
        (await client.PredictWithKeyAsync(AcmeApp, "one")).Dispose();
        (await client.PredictWithKeyAsync(GlobexApp, "two", wait: true)).Dispose();

        // Act
        using var acme = await client.SendWithKeyAsync(HttpMethod.Get, "/cache/stats", AcmeApp);
        using var acmeNamed = await client.SendWithKeyAsync(HttpMethod.Get, "/cache/stats?tenant=acme", AcmeApp);
        using var globexAsksAcme = await client.SendWithKeyAsync(HttpMethod.Get, "/cache/stats?tenant=acme", GlobexApp);
        using var readerAsksAcme = await client.SendWithKeyAsync(HttpMethod.Get, "/cache/stats?tenant=acme", Reader);
        using var opsAsksAcme = await client.SendWithKeyAsync(HttpMethod.Get, "/cache/stats?tenant=acme", Ops);
        using var opsBadName = await client.SendWithKeyAsync(HttpMethod.Get, "/cache/stats?tenant=no%20such", Ops);
        using var all = await client.SendWithKeyAsync(HttpMethod.Get, "/cache/stats", Ops);

        // Assert
        foreach (var response in new[] { acme, acmeNamed, opsAsksAcme })
        {
            var stats = await response.ReadJsonAsync();
            Assert.Equal(("acme", 1L, 1L, 1L), (stats.GetProperty("tenant").GetString(), stats.GetProperty("size").GetInt64(),
                stats.GetProperty("hits").GetInt64(), stats.GetProperty("misses").GetInt64()));
        }

        await globexAsksAcme.AssertProblemAsync(HttpStatusCode.Forbidden);
        await readerAsksAcme.AssertProblemAsync(HttpStatusCode.Forbidden);
        await opsBadName.AssertProblemAsync(HttpStatusCode.BadRequest);
        var total = await all.ReadJsonAsync();
        Assert.False(total.TryGetProperty("tenant", out _));
        Assert.Equal((2L, 1L, 2L), (total.GetProperty("size").GetInt64(), total.GetProperty("hits").GetInt64(), total.GetProperty("misses").GetInt64()));
    }

    [Fact]
    public async Task Predict_TenantAtItsInflightCap_Is503WithRetryAfterAndOthersAreServed()
    {
        // Arrange
        var backend = GatewayFakes.Model();
        var settings = new Dictionary<string, string?>(TestKeys.Settings(Keys)) { ["Tenants:MaxInflight"] = "1" };
        await using var factory = new GatewayFactory(settings, backends: backend);
        using var client = factory.CreateClient();
        using var first = await client.PredictWithKeyAsync(AcmeApp, "first");

        // Act
        using var second = await client.PredictWithKeyAsync(AcmeApp, "second");
        using var other = await client.PredictWithKeyAsync(GlobexApp, "second");
        using var noTenant = await client.PredictWithKeyAsync(Reader, "second");
        backend.Release();

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var problem = await second.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Tenant at its limit", problem.GetProperty("title").GetString());
        Assert.Equal("1", second.Header("Retry-After"));
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (other.StatusCode, noTenant.StatusCode));
    }

    [Theory]
    [InlineData("/cluster")]
    [InlineData("/metrics")]
    [InlineData("/dashboard")]
    [InlineData("/dashboard/data")]
    [InlineData("/dashboard/orleans")]
    public async Task ClusterWideViews_ATenantsAdmin_IsForbiddenAndAGlobalAdminServed(string path)
    {
        // Arrange
        await using var factory = new GatewayFactory(TestKeys.Settings(Keys));
        using var client = factory.CreateClient();

        // Act
        using var byTenantAdmin = await client.SendWithKeyAsync(HttpMethod.Get, path, AcmeAdmin);
        using var byGlobalAdmin = await client.SendWithKeyAsync(HttpMethod.Get, path, Ops);

        // Assert: these show every tenant's figures.
        var problem = await byTenantAdmin.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("'admin' role and no tenant", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(byGlobalAdmin.IsSuccessStatusCode, $"{path}: {(int)byGlobalAdmin.StatusCode}");
    }

    private static async Task<Guid> JobIdOf(HttpResponseMessage response) => (await response.ReadJsonAsync()).GetProperty("job_id").GetGuid();
}

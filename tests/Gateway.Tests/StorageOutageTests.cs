using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests;

/// <summary>
/// The database going away under a running gateway: requests that need it get <c>503</c> problem+json with
/// <c>Retry-After</c>, never a <c>500</c>; requests that do not (a hit in memory) are still served.
/// </summary>
public sealed class StorageOutageTests
{
    [Fact]
    public async Task Predict_PostgresStoppedUnderARunningGateway_Is503ProblemAndMemoryHitsStillServe()
    {
        // Arrange: one entry in memory, then the server goes away.
        var server = await PostgresServer.StartAsync();
        await using var factory = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = await server.CreateDatabaseAsync() + ";Timeout=3;Command Timeout=3",
        });
        using var client = factory.CreateClient();
        await factory.StoreAsync(client, "stored before the outage");
        await server.DisposeAsync();

        // Act
        using var miss = await client.PredictAsync("a new input during the outage");
        using var stats = await client.GetAsync(new Uri("/cache/stats", UriKind.Relative));
        using var job = await client.GetAsync(new Uri($"/jobs/{Guid.NewGuid()}", UriKind.Relative));
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        using var hit = await client.PredictAsync("stored before the outage");

        // Assert
        foreach (var response in new[] { miss, stats, job })
        {
            var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("Storage unavailable", problem.GetProperty("title").GetString());
            Assert.Equal("5", response.Header("Retry-After"));
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal("HIT", hit.Header("X-Cache"));
    }
}

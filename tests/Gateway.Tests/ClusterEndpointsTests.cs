using System.Net;
using Microsoft.AspNetCore.Http;
using PredictionCache.Gateway.Infrastructure;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests;

/// <summary>
/// <c>GET /cluster</c> and the nodes of <c>GET /cache/stats</c> on one node, the topology setting, and the status of
/// Orleans' own failures. Several nodes are <c>ClusterProcessTests</c>' (processes on Redis) and the Silo tests' (TestingHost).
/// </summary>
public sealed class ClusterEndpointsTests
{
    private static readonly Dictionary<string, string?> OneShard = new() { ["Cache:DirectoryShards"] = "1" };

    [Fact]
    public async Task GetCluster_OneNode_ListsItActiveWithItsOwnFigures()
    {
        await using var factory = new GatewayFactory(OneShard, backends: GatewayFakes.Model(open: true));
        using var client = factory.CreateClient();
        await factory.StoreAsync(client, "counted once");
        (await client.PredictAsync("counted once")).Dispose();

        using var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));
        var node = Assert.Single((await response.ReadJsonAsync()).GetProperty("nodes").EnumerateArray());
        var stats = await client.GetStatsAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            ["address", "host_name", "name", "started_at", "stats", "status"],
            node.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("active", node.GetProperty("status").GetString());
        var figures = node.GetProperty("stats");
        Assert.Equal((1L, 1L, 1L), (figures.GetProperty("hits").GetInt64(), figures.GetProperty("misses").GetInt64(), figures.GetProperty("size").GetInt64()));
        Assert.True(figures.GetProperty("activations").GetInt64() >= 1);
        var statsNode = Assert.Single(stats.GetProperty("nodes").EnumerateArray());
        Assert.Equal(node.GetProperty("address").GetString(), statsNode.GetProperty("address").GetString());
        Assert.Equal(stats.GetProperty("hits").GetInt64(), statsNode.GetProperty("hits").GetInt64());
        Assert.Equal(stats.GetProperty("misses").GetInt64(), statsNode.GetProperty("misses").GetInt64());
    }

    [Fact]
    public async Task Start_UnknownTopology_FailsNamingTheKeyAndTheChoices()
    {
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var host = GatewayBuilder.Build(new Dictionary<string, string?> { ["Gateway:Topology"] = "Sideways" });
        });

        Assert.NotNull(error);
        Assert.Contains("Gateway:Topology is 'Sideways'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Client", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ClientTopologyOnMemoryStorage_FailsNamingStorageProvider()
    {
        await using var host = GatewayBuilder.Build(new Dictionary<string, string?>
        {
            ["Gateway:Topology"] = "Client",
            ["Storage:Provider"] = "memory",
        });

        var error = await Record.ExceptionAsync(() => host.StartAsync());

        Assert.NotNull(error);
        Assert.Contains("Storage:Provider is 'memory'", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Gateway:Topology=Client", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void StatusOf_OrleansOwnFailureOrRedisDown_Is503_ButAnyOtherFaultIs500()
    {
        // Orleans reports its placement or directory failing (Redis down) as a bare OrleansException.
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, Problems.StatusOf(new OrleansException("Lookup failed for predictioncache.prediction/ab")));
        Assert.Equal(
            StatusCodes.Status503ServiceUnavailable,
            Problems.StatusOf(new InvalidOperationException("wrapped", new StackExchange.Redis.RedisConnectionException(StackExchange.Redis.ConnectionFailureType.SocketClosed, "closed"))));
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, Problems.StatusOf(new TimeoutException("Response did not arrive on time")));
        Assert.Equal(StatusCodes.Status500InternalServerError, Problems.StatusOf(new InvalidOperationException("a bug")));
    }
}

using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace PredictionCache.Silo.Tests;

/// <summary>In-process Orleans clusters whose silos carry the cache's composition (<c>AddPredictionCacheSilo</c>).</summary>
internal static class TestClusters
{
    /// <summary>
    /// Deploys <paramref name="silos"/> silos, each with <c>AddPredictionCacheSilo()</c>, <paramref name="settings"/> as
    /// configuration and <paramref name="configure"/> (per silo) on top; with two or more, waits until every silo sees
    /// every other. The cluster's own membership and transport are in memory: no ports, no clustering configuration.
    /// </summary>
    public static async Task<InProcessTestCluster> StartAsync(
        short silos,
        IReadOnlyDictionary<string, string?> settings,
        Action<InProcessTestSiloSpecificOptions, ISiloBuilder>? configure = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(settings));
        builder.ConfigureSilo((options, silo) =>
        {
            silo.AddPredictionCacheSilo();
            configure?.Invoke(options, silo);
        });
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
            if (silos > 1)
            {
                // DeployAsync gives up waiting for a consistent view after about 100 ms.
                await cluster.WaitForLivenessToStabilizeAsync();
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The settings of a cluster on in-memory storage.</summary>
    public static Dictionary<string, string?> Memory() => new() { ["Storage:Provider"] = "memory" };
}

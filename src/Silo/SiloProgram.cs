using Microsoft.Extensions.Hosting;

namespace PredictionCache.Silo;

/// <summary>
/// A grain-tier node: an Orleans silo of the prediction cache with no HTTP, for gateways that connect as Orleans
/// clients. Configured as the gateway is (appsettings.json, environment variables, the command line).
/// </summary>
public static class SiloProgram
{
    /// <summary>Runs the silo until the process is stopped.</summary>
    public static async Task Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.UseOrleans(silo => silo.UseConfiguredClustering(builder.Configuration).AddPredictionCacheSilo());
        await builder.Build().RunAsync();
    }
}

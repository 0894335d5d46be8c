using PredictionCache.Silo;

namespace PredictionCache.Gateway.Infrastructure;

/// <summary>The gateway's part of the Orleans cluster, as <c>Gateway:Topology</c> says.</summary>
internal static class OrleansHostingExtensions
{
    /// <summary>The configuration key of the topology.</summary>
    public const string TopologyKey = GatewayOptions.SectionName + ":" + nameof(GatewayOptions.Topology);

    /// <summary>
    /// <see cref="GatewayTopology.CoHosted"/>: a silo of the cache in this process (<c>UseOrleans</c>);
    /// <see cref="GatewayTopology.Client"/>: an Orleans client of a grain tier (<c>UseOrleansClient</c>). Both find the
    /// cluster through Orleans' <c>Orleans:*</c> section.
    /// </summary>
    public static WebApplicationBuilder AddPredictionCacheOrleans(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (TopologyOf(configuration) == GatewayTopology.Client)
        {
            builder.UseOrleansClient(client => client.UseConfiguredClustering(configuration).AddPredictionCacheClient());
        }
        else
        {
            builder.UseOrleans(silo => silo.UseConfiguredClustering(configuration).AddPredictionCacheSilo());
        }

        return builder;
    }

    private static GatewayTopology TopologyOf(IConfiguration configuration)
    {
        var value = configuration[TopologyKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return GatewayTopology.CoHosted;
        }

        return Enum.TryParse<GatewayTopology>(value, ignoreCase: true, out var topology) && Enum.IsDefined(topology)
            ? topology
            : throw new InvalidOperationException($"{TopologyKey} is '{value}': use CoHosted (the default) or Client.");
    }
}

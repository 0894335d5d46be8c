using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace PredictionCache.Silo.Tests;

/// <summary>
/// A host with the silo's composition (<see cref="PredictionCacheSiloBuilderExtensions.AddPredictionCacheSilo"/>) on
/// the given settings only, built but never started: for what the composition registers and how options validate.
/// </summary>
internal static class SiloComposition
{
    public static IHost Build(IReadOnlyDictionary<string, string?> settings)
    {
        // Empty: no appsettings.json from the output folder and no environment variables change what a test sets.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOrleans(silo => silo.AddPredictionCacheSilo());
        return builder.Build();
    }
}

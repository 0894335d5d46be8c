using Microsoft.Extensions.DependencyInjection;
using PredictionCache.TestKit;

namespace PredictionCache.Silo.Tests;

/// <summary>The Silo tests' clusters: TestKit's <see cref="CacheCluster"/> (the one host builder) with these tests' settings.</summary>
internal static class TestClusters
{
    /// <summary>
    /// Starts <paramref name="silos"/> silos of the cache with <paramref name="settings"/> over TestKit's defaults and
    /// <paramref name="configure"/> on each silo's services; with two or more, every silo sees every other.
    /// </summary>
    public static Task<CacheCluster> StartAsync(
        short silos, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configure = null, TestClock? clock = null)
    {
        var options = new CacheClusterOptions { Silos = silos, ConfigureServices = configure, Clock = clock ?? new TestClock() };
        foreach (var (key, value) in settings)
        {
            options.Settings[key] = value;
        }

        return CacheCluster.StartAsync(options);
    }

    /// <summary>The settings of a cluster on in-memory storage.</summary>
    public static Dictionary<string, string?> Memory() => new() { ["Storage:Provider"] = "memory" };
}

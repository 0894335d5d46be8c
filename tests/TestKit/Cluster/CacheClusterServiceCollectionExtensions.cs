using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Storage;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;

namespace PredictionCache.TestKit;

/// <summary>Service overrides for a <see cref="CacheCluster"/>'s silos (<see cref="CacheClusterOptions.ConfigureServices"/>).</summary>
public static class CacheClusterServiceCollectionExtensions
{
    private const string InnerStorageName = "inner-cache";

    /// <summary>Makes <paramref name="backends"/> the silo's only models (the first is the default).</summary>
    public static IServiceCollection UseInferenceBackends(this IServiceCollection services, IEnumerable<IInferenceBackend> backends)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(backends);
        services.RemoveAll<IInferenceBackend>();
        foreach (var backend in backends)
        {
            services.AddSingleton(backend);
        }

        return services;
    }

    /// <summary>
    /// Puts the silo's jobs in memory behind a <see cref="GatedJobStore"/> (resolve it, or <see cref="MemoryJobStore"/>,
    /// from the silo's services), so a test can hold or fail job completions.
    /// </summary>
    public static IServiceCollection UseGatedJobStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.RemoveAll<IJobStore>();
        services.AddSingleton<MemoryJobStore>();
        services.AddSingleton(sp => new GatedJobStore(sp.GetRequiredService<MemoryJobStore>()));
        services.AddSingleton<IJobStore>(sp => sp.GetRequiredService<GatedJobStore>());
        return services;
    }

    /// <summary>
    /// Puts the silo's entry storage (the keyed <see cref="IGrainStorage"/> <c>cache</c>) behind a
    /// <see cref="GatedGrainStorage"/> (resolve it from the silo's services), so a test can hold reads or writes.
    /// </summary>
    public static IServiceCollection UseGatedGrainStorage(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var own = services.Last(d => d.IsKeyedService && Equals(d.ServiceKey, PredictionGrain.StorageName) && d.ServiceType == typeof(IGrainStorage));
        services.Remove(own);
        services.AddKeyedSingleton<IGrainStorage>(InnerStorageName, (sp, key) => (IGrainStorage)own.KeyedImplementationFactory!(sp, key));
        services.AddSingleton(sp => new GatedGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(InnerStorageName)));
        services.AddKeyedSingleton<IGrainStorage>(PredictionGrain.StorageName, (sp, _) => sp.GetRequiredService<GatedGrainStorage>());
        return services;
    }
}

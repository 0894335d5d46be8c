using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PredictionCache.Silo.Collection;
using PredictionCache.Silo.Hosting;
using PredictionCache.Silo.Metrics;
using PredictionCache.Silo.Runtime;

namespace PredictionCache.Silo;

/// <summary>Registers the silo with a host.</summary>
public static class SiloServiceCollectionExtensions
{
    /// <summary>
    /// Adds the actor host: grain factory, activations, shared timer wheel, idle collection and storage providers.
    /// Options come from <c>Silo:Timers</c>, <c>Silo:Collection</c> and <c>Storage</c> and are validated at start-up.
    /// </summary>
    public static IServiceCollection AddSilo(this IServiceCollection services, Action<ISiloBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddValidatedOptions<TimerWheelOptions>(TimerWheelOptions.SectionName);
        services.AddValidatedOptions<GrainCollectionOptions>(GrainCollectionOptions.SectionName);
        services.AddValidatedOptions<StorageOptions>(StorageOptions.SectionName);
        services.AddValidatedOptions<SiloMetricsOptions>(SiloMetricsOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<SiloMetrics>();
        services.TryAddSingleton<SiloRuntime>();
        services.TryAddSingleton<IGrainFactory>(sp => sp.GetRequiredService<SiloRuntime>().GrainFactory);
        services.TryAddSingleton<ISiloManagement>(sp => sp.GetRequiredService<SiloRuntime>());
        services.TryAddSingleton<ActivationCollector>();
        services.AddHostedService<SiloHostedService>();
        configure(new SiloBuilder(services));
        return services;
    }
}

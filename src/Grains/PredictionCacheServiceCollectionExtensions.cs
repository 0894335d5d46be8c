using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Inference.Builtin;
using PredictionCache.Grains.Inference.Http;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Models;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Storage;
using PredictionCache.Grains.Telemetry;
using PredictionCache.Grains.Tenants;

namespace PredictionCache.Grains;

/// <summary>Registers what the cache's grains use on a silo: options, models and inference, counters, the silo-local directory and published entries, and the front-door service.</summary>
public static class PredictionCacheServiceCollectionExtensions
{
    /// <summary>
    /// Adds the services of the prediction cache's grains. Options bind from <c>Cache</c>, <c>Inference</c>,
    /// <c>Inference:Builtin</c>, <c>Jobs</c>, <c>Storage</c>, <c>Tenants</c>, <c>Batching</c> and the <c>Models</c> list and are validated
    /// at start-up. Grain storage and the SQL job store are the silo's (<c>AddPredictionCacheSilo</c>).
    /// </summary>
    public static IServiceCollection AddPredictionCache(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddValidatedOptions<CacheOptions>(CacheOptions.SectionName);
        services.AddValidatedOptions<InferenceOptions>(InferenceOptions.SectionName);
        services.AddValidatedOptions<BuiltinModelOptions>(BuiltinModelOptions.SectionName);
        services.AddValidatedOptions<JobOptions>(JobOptions.SectionName);
        services.AddValidatedOptions<BatchingOptions>(BatchingOptions.SectionName);
        services.AddValidatedOptions<StorageOptions>(StorageOptions.SectionName);
        services.AddValidatedOptions<TenantOptions>(TenantOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);

        // A list at the root of its section: bound by hand, validated with keys that carry each model's index.
        services.AddOptions<ModelsOptions>()
            .Configure<IConfiguration>((options, configuration) => configuration.GetSection(ModelsOptions.SectionName).Bind(options.Models))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelsOptions>, ModelsOptionsValidator>());
        services.AddHttpClient(ModelServerClient.HttpClientName, client =>
            {
                client.Timeout = Timeout.InfiniteTimeSpan;

                // A model server that sends a runaway body fails its batch instead of filling the heap.
                client.MaxResponseContentBufferSize = ModelServerClient.MaxAnswerBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Timeouts are the resilience pipeline's; pooled connections are recycled to follow DNS changes.
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            });

        services.TryAddSingleton<CacheStatistics>();
        services.TryAddSingleton<SiloLocalClearState>();
        services.TryAddSingleton<SiloLocalEntries>();
        services.TryAddSingleton<SiloLocalTenants>();
        services.TryAddSingleton<SiloLocalAccessTimes>();
        services.TryAddSingleton<SiloLocalDirectory>();
        services.TryAddSingleton(sp => new CacheMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<CacheStatistics>(),
            sp.GetRequiredService<SiloLocalDirectory>()));
        services.TryAddSingleton<InferenceScheduler>();
        services.TryAddSingleton<PredictionGrainServices>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInferenceBackend, BuiltinSentimentBackend>());
        services.TryAddSingleton(ModelCatalogFactory.Create);
        services.TryAddSingleton<JobCompletionRetries>();

        // The silo's storage composition replaces it with the SQL store for a durable provider.
        services.TryAddSingleton<IJobStore, MemoryJobStore>();
        services.TryAddSingleton<PredictionService>();
        services.TryAddSingleton<JobRetentionService>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<JobRetentionService>());
        return services;
    }
}

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
using PredictionCache.Silo;

namespace PredictionCache.Grains;

/// <summary>Registers the cache: the silo with its grains and storage, inference, jobs and the front-door service.</summary>
public static class PredictionCacheServiceCollectionExtensions
{
    /// <summary>
    /// Adds the prediction cache. Options bind from <c>Cache</c>, <c>Inference</c>, <c>Inference:Builtin</c>,
    /// <c>Jobs</c>, <c>Storage</c>, <c>Batching</c> and the <c>Models</c> list and are validated at start-up. Storage is <c>Storage:Provider</c>'s: entries
    /// and jobs in SQLite or PostgreSQL, or in memory.
    /// </summary>
    public static IServiceCollection AddPredictionCache(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddValidatedOptions<CacheOptions>(CacheOptions.SectionName);
        services.AddValidatedOptions<InferenceOptions>(InferenceOptions.SectionName);
        services.AddValidatedOptions<BuiltinModelOptions>(BuiltinModelOptions.SectionName);
        services.AddValidatedOptions<JobOptions>(JobOptions.SectionName);
        services.AddValidatedOptions<BatchingOptions>(BatchingOptions.SectionName);

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
        services.TryAddSingleton(sp => new CacheMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<CacheStatistics>(),
            sp.GetRequiredService<DirectoryShards>()));
        services.TryAddSingleton<InferenceScheduler>();
        services.TryAddSingleton<DirectoryShards>();
        services.TryAddSingleton<PredictionGrainServices>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInferenceBackend, BuiltinSentimentBackend>());
        services.TryAddSingleton(ModelCatalogFactory.Create);
        services.TryAddSingleton<AccessTimes>();
        services.TryAddSingleton<JobCompletionRetries>();
        services.TryAddSingleton<IJobStore>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.IsDurable
            ? ActivatorUtilities.CreateInstance<SqlJobStore>(sp)
            : ActivatorUtilities.CreateInstance<MemoryJobStore>(sp));

        // Before the silo's hosted service, so the schema is in place before any grain reads its state.
        services.AddHostedService<CacheStorageService>();
        services.TryAddSingleton(sp => new PredictionService(
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<ModelCatalog>(),
            sp.GetRequiredService<IJobStore>(),
            sp.GetRequiredService<CacheStatistics>(),
            sp.GetRequiredService<ISiloManagement>(),
            sp.GetRequiredService<DirectoryShards>(),
            sp.GetRequiredService<IGrainStateTable<CacheEntry>>(),
            sp.GetRequiredService<IOptions<CacheOptions>>(),
            sp.GetRequiredService<IOptions<StorageOptions>>(),
            sp.GetRequiredService<CacheMetrics>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSilo(silo => silo
            .AddGrain<IPredictionGrain, PredictionGrain>(binding => new PredictionGrainReference(binding))
            .AddGrain<ICacheDirectoryGrain, CacheDirectoryGrain>(binding => new CacheDirectoryGrainReference(binding))
            .AddStateTable<PredictionGrain, CacheEntry>("entry", new CacheEntryTable())
            .AddGrainStorage());
        return services;
    }
}

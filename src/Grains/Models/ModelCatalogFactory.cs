using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Inference.Builtin;
using PredictionCache.Grains.Inference.Http;
using PredictionCache.Grains.Telemetry;

namespace PredictionCache.Grains.Models;

/// <summary>
/// Builds the <see cref="ModelCatalog"/>: from the <c>Models</c> list when there is one (each model with its own
/// scheduler, TTL and backend), otherwise from the registered <see cref="IInferenceBackend"/>s (the built-in model,
/// or test fakes), sharing the global <see cref="InferenceScheduler"/> and <c>Cache:TtlSeconds</c> as before.
/// </summary>
internal static class ModelCatalogFactory
{
    public static ModelCatalog Create(IServiceProvider services)
    {
        var configured = services.GetRequiredService<IOptions<ModelsOptions>>().Value.Models;
        var cache = services.GetRequiredService<IOptions<CacheOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        if (configured.Count == 0)
        {
            var scheduler = services.GetRequiredService<InferenceScheduler>();
            var backends = services.GetServices<IInferenceBackend>().ToList();
            var legacy = backends.Select((backend, i) => new ServedModel(
                new ModelOptions
                {
                    Name = backend.Model.Name,
                    Version = backend.Model.Version,
                    Backend = backend is BuiltinSentimentBackend ? ModelOptions.BuiltinBackend : backend.GetType().Name,
                },
                cache.Ttl,
                isDefault: i == 0,
                backend,
                scheduler,
                time)).ToList();
            return new ModelCatalog(legacy, []);
        }

        var inference = services.GetRequiredService<IOptions<InferenceOptions>>().Value;
        var batching = services.GetRequiredService<IOptions<BatchingOptions>>().Value;
        var statistics = services.GetRequiredService<CacheStatistics>();
        var metrics = services.GetService<CacheMetrics>();
        var hasDefault = configured.Any(m => m.Default);
        var owned = new List<HttpInferenceBackend>();
        var models = new List<ServedModel>();
        for (var i = 0; i < configured.Count; i++)
        {
            var settings = configured[i];
            var descriptor = new ModelDescriptor(settings.Name!, settings.Version);
            var ttl = settings.TtlSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : cache.Ttl;
            var timeout = TimeSpan.FromSeconds(inference.TimeoutSeconds);
            IInferenceBackend backend;
            InferenceScheduler scheduler;
            if (settings.IsHttp)
            {
                var batchSize = settings.MaxBatchSize ?? batching.MaxBatchSize;
                var delay = TimeSpan.FromMilliseconds(settings.MaxDelayMs ?? batching.MaxDelayMs);
                var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger($"PredictionCache.Models.{settings.Name}");
                var client = new ModelServerClient(descriptor, settings, services.GetRequiredService<IHttpClientFactory>(), time, logger);
                var batcher = new MicroBatcher(descriptor.Name, client.InferBatchAsync, settings.MaxConcurrency, batchSize, delay, time, logger);
                var http = new HttpInferenceBackend(descriptor, client, batcher);
                owned.Add(http);
                backend = http;

                // Jobs in flight: every upstream slot with a full batch; beyond them, the bounded queue.
                scheduler = new InferenceScheduler(settings.MaxConcurrency * batchSize, settings.MaxQueueLength, timeout, time, statistics, metrics);
            }
            else
            {
                backend = new BuiltinSentimentBackend(time, services.GetRequiredService<IOptions<BuiltinModelOptions>>(), descriptor);
                scheduler = new InferenceScheduler(settings.MaxConcurrency, settings.MaxQueueLength, timeout, time, statistics, metrics);
            }

            models.Add(new ServedModel(settings, ttl, hasDefault ? settings.Default : i == 0, backend, scheduler, time));
        }

        return new ModelCatalog(models, owned);
    }
}

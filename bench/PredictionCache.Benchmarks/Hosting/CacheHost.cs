using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PredictionCache.Grains;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.Silo;
using PredictionCache.Silo.Runtime;

namespace PredictionCache.Benchmarks.Hosting;

/// <summary>
/// The cache hosted in-process the way the tests host it: a service collection with logging, configuration from
/// an in-memory collection, <c>AddPredictionCache()</c>, the fake backend in place of the built-in model, and the
/// hosted services started.
/// </summary>
internal sealed class CacheHost : IAsyncDisposable
{
    /// <summary>How long an insert may wait for its job.</summary>
    public static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _hosted;

    private CacheHost(ServiceProvider provider, FakeInferenceBackend backend, int maxEntries)
    {
        _provider = provider;
        Backend = backend;
        MaxEntries = maxEntries;
        _hosted = [.. provider.GetServices<IHostedService>()];
        Cache = provider.GetRequiredService<PredictionService>();
        Grains = provider.GetRequiredService<IGrainFactory>();
        Jobs = provider.GetRequiredService<IJobStore>();
        Statistics = provider.GetRequiredService<CacheStatistics>();
        Silo = provider.GetRequiredService<SiloRuntime>();
    }

    public FakeInferenceBackend Backend { get; }

    public int MaxEntries { get; }

    public IServiceProvider Services => _provider;

    public PredictionService Cache { get; }

    public IGrainFactory Grains { get; }

    public IJobStore Jobs { get; }

    public CacheStatistics Statistics { get; }

    public SiloRuntime Silo { get; }

    /// <summary>Active prediction grains (cached entries in memory, plus any still deactivating).</summary>
    public int ActivePredictionGrains => Silo.GetActivationCount<PredictionGrain>();

    public static async Task<CacheHost> StartAsync(
        int maxEntries,
        TimeProvider? time = null,
        int maxConcurrency = 1024,
        string provider = "memory",
        string? connectionString = null,
        (string Key, string Value)[]? settings = null)
    {
        var configured = new Dictionary<string, string?>
        {
            ["Cache:MaxEntries"] = maxEntries.ToString(CultureInfo.InvariantCulture),
            ["Cache:TtlSeconds"] = "3600",
            ["Inference:MaxConcurrency"] = maxConcurrency.ToString(CultureInfo.InvariantCulture),
            ["Inference:MaxQueueLength"] = "100000",
            ["Storage:Provider"] = provider,
            ["Storage:ConnectionString"] = connectionString,
        };
        foreach (var (key, value) in settings ?? [])
        {
            configured[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(configured).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddPredictionCache();
        var backend = new FakeInferenceBackend();
        services.RemoveAll<IInferenceBackend>();
        services.AddSingleton<IInferenceBackend>(backend);

        var host = new CacheHost(services.BuildServiceProvider(validateScopes: true), backend, maxEntries);
        foreach (var hosted in host._hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        return host;
    }

    /// <summary>Stores the entry for <paramref name="text"/> (already normalized) and returns once it is stored.</summary>
    public async Task<PredictOutcomeKind> InsertAsync(string text)
    {
        var outcome = await Cache.PredictAsync(FakeInferenceBackend.Descriptor, text, text, default);
        switch (outcome.Kind)
        {
            case PredictOutcomeKind.Hit:
                return outcome.Kind;
            case PredictOutcomeKind.Started or PredictOutcomeKind.Joined:
                // The job completes after the grain stored and published the entry (and registered it with the
                // directory, which evicted the coldest), so this is the end of one insert.
                var job = await Jobs.WaitAsync(outcome.JobId, JobTimeout);
                return job?.Status == JobStatus.Completed
                    ? outcome.Kind
                    : throw new InvalidOperationException($"Job {outcome.JobId} for '{text}' ended {job?.Status.ToString() ?? "unknown"}.");
            default:
                throw new InvalidOperationException($"Insert of '{text}' was refused: {outcome.Kind}.");
        }
    }

    /// <summary>Inserts texts <paramref name="from"/>..<paramref name="to"/> (exclusive) with <paramref name="workers"/> inserts in flight.</summary>
    public async Task InsertRangeAsync(Func<long, string> textOf, long from, long to, int workers)
    {
        var next = from - 1;
        var tasks = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            tasks[w] = Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < to; i = Interlocked.Increment(ref next))
                {
                    await InsertAsync(textOf(i));
                }
            });
        }

        await Task.WhenAll(tasks);
    }

    /// <summary>
    /// Fills the cache until it holds <see cref="MaxEntries"/> entries, inserting texts from
    /// <paramref name="from"/> on; returns the next unused index. Capacity is split evenly over the directory
    /// shards and keys do not split evenly, so a shard that fills first evicts before the cache as a whole is
    /// full: it takes some keys more than MaxEntries.
    /// </summary>
    public async Task<long> FillAsync(Func<long, string> textOf, long from, int workers)
    {
        var next = from + MaxEntries;
        await InsertRangeAsync(textOf, from, next, workers);
        await SettleAsync();
        while (Statistics.Size < MaxEntries)
        {
            var missing = MaxEntries - Statistics.Size;
            await InsertRangeAsync(textOf, next, next + missing, workers);
            next += missing;
            await SettleAsync();
        }

        return next;
    }

    /// <summary>Waits until every inference and every eviction has finished: as many activations as entries.</summary>
    public async Task SettleAsync()
    {
        while (Statistics.Inflight > 0 || ActivePredictionGrains != Statistics.Size)
        {
            await Task.Delay(1);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hosted in _hosted.Reverse())
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await _provider.DisposeAsync();
    }
}

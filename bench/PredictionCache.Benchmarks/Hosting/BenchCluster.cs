using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Models;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Storage;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Hosting;

/// <summary>
/// The in-process scenarios' host: TestKit's <see cref="CacheCluster"/> (one silo, the gateway's silo composition),
/// started the way a measurement needs it: the production defaults where the tests pin other values (directory shards
/// one per processor, set after configuration binding), a large inference queue, and a real clock (the tests' <see cref="TestClock"/> is a
/// <c>FakeTimeProvider</c>: its clock read takes a lock and its timers are a list under a lock, so neither would measure
/// what a gateway runs). Plus the bench's insert loop: <see cref="PredictionService.PredictAsync"/>, then the job.
/// </summary>
internal static class BenchCluster
{
    /// <summary>How long an insert waits for its job before the run fails.</summary>
    public static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The answer of every inference: a new copy of this 33-byte JSON per call (each entry owns its payload).</summary>
    public const string AnswerJson = """{"label":"positive","score":0.93}""";

    /// <summary>An instant model (TestKit's fake, ungated) answering <see cref="AnswerJson"/>.</summary>
    public static FakeInferenceBackend InstantBackend() => new(gated: false, answer: static _ => AnswerJson);

    /// <summary>
    /// Starts one silo with <paramref name="backend"/> as its model. <paramref name="clock"/> (default the system clock)
    /// is the product's and the grains' clock. <paramref name="trackActivations"/> false takes TestKit's activation
    /// tracker (a lifecycle observer on each activation and a dictionary entry per active key) out of the silo, for the
    /// memory figures; <see cref="CacheCluster.PredictionActivations"/> then reads 0. <paramref name="storage"/> gives
    /// <c>Storage:Provider</c> and <c>Storage:ConnectionString</c> (default memory), set as options, not as configuration
    /// keys: <see cref="CacheCluster"/> fails on a key it sets itself (see <see cref="CacheCluster.DefaultSettings"/>).
    /// </summary>
    public static Task<CacheCluster> StartAsync(
        FakeInferenceBackend? backend,
        int maxEntries,
        TimeProvider? clock = null,
        bool trackActivations = true,
        IEnumerable<KeyValuePair<string, string?>>? settings = null,
        (string Provider, string? ConnectionString)? storage = null)
    {
        var options = new CacheClusterOptions();
        if (backend is not null)
        {
            options.Backends.Add(backend);
        }

        options.Settings["Cache:MaxEntries"] = maxEntries.ToString(CultureInfo.InvariantCulture);
        options.Settings["Cache:TtlSeconds"] = "3600";
        options.Settings["Inference:MaxConcurrency"] = "1024";
        options.Settings["Inference:MaxQueueLength"] = "100000";
        options.Settings["Logging:LogLevel:Default"] = "Warning";
        foreach (var (key, value) in settings ?? [])
        {
            options.Settings[key] = value;
        }

        var time = clock ?? TimeProvider.System;
        options.ConfigureServices = services =>
        {
            // Registered after TestKit's UseTestClock: the last registration wins, for the product and for grain timers.
            services.AddSingleton(time);
            services.AddKeyedSingleton(TimeProviderNames.Grains, time);
            if (!trackActivations)
            {
                foreach (var tracker in services.Where(IsTestKitActivationTracker).ToList())
                {
                    services.Remove(tracker);
                }
            }

            // The production defaults where CacheCluster's own settings pin test values (one shard, memory storage).
            services.PostConfigure<CacheOptions>(cache => cache.DirectoryShards = 0);
            if (storage is { } chosen)
            {
                services.PostConfigure<StorageOptions>(o =>
                {
                    o.Provider = chosen.Provider;
                    o.ConnectionString = chosen.ConnectionString;
                });
            }
        };
        return CacheCluster.StartAsync(options);
    }

    /// <summary>
    /// One insert: a miss through <see cref="PredictionService.PredictAsync"/>, done when its job has completed (the
    /// entry was stored, published and registered with the directory, which evicted the coldest, by then).
    /// </summary>
    public static async Task<PredictionStatus> InsertAsync(PredictionService cache, IJobStore jobs, ServedModel model, string text)
    {
        var outcome = await cache.PredictAsync(model, text, text, default);
        switch (outcome.Status)
        {
            case PredictionStatus.Hit:
                return outcome.Status;
            case PredictionStatus.Started or PredictionStatus.Joined:
                var job = await jobs.WaitAsync(outcome.JobId, JobTimeout);
                return job?.Status == JobStatus.Completed
                    ? outcome.Status
                    : throw new InvalidOperationException($"Job {outcome.JobId} for '{text}' ended {job?.Status.ToString() ?? "unknown"}.");
            default:
                throw new InvalidOperationException($"Insert of '{text}' was refused: {outcome.Status}.");
        }
    }

    /// <summary>Inserts texts <paramref name="from"/>..<paramref name="to"/> (exclusive) with <paramref name="workers"/> inserts in flight.</summary>
    public static async Task InsertRangeAsync(CacheCluster cluster, Func<long, string> textOf, long from, long to, int workers)
    {
        var cache = cluster.Predictions;
        var jobs = cluster.Jobs;
        var model = cache.Models.DefaultModel;
        var next = from - 1;
        var tasks = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            tasks[w] = Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < to; i = Interlocked.Increment(ref next))
                {
                    await InsertAsync(cache, jobs, model, textOf(i));
                }
            });
        }

        await Task.WhenAll(tasks);
    }

    /// <summary>
    /// Waits, on the cluster's change signal (activations, deactivations, grain calls), until the directory holds
    /// <paramref name="size"/> keys and as many prediction activations are alive: every eviction's one-way
    /// <c>EvictAsync</c> has been taken and its activation is gone.
    /// </summary>
    public static Task SettleAsync(CacheCluster cluster, long size) =>
        cluster.Changes.WaitUntilAsync(
            () => cluster.Statistics.Size == size && cluster.PredictionActivations == size,
            $"the directory and the activations to settle at {size:N0}");

    /// <summary>
    /// Ends a measured cluster without deactivating its activations one by one: each silo is killed, then the cluster is
    /// disposed. A graceful stop deactivates every activation, which at a million takes longer than TestKit's hang guard
    /// (<see cref="TestWait.HangGuard"/>) allows <see cref="CacheCluster.DisposeAsync"/>, and measures nothing.
    /// </summary>
    public static async Task KillAsync(CacheCluster cluster)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var silo in cluster.Silos)
        {
            await TestWait.ForAsync(cluster.Cluster.KillSiloAsync(silo.Handle), $"silo {silo.Name} to be killed");
        }

        await cluster.DisposeAsync();
        Console.WriteLine($"    (cluster killed and disposed in {clock.Elapsed.TotalSeconds:0.0} s)");
    }

    private static bool IsTestKitActivationTracker(ServiceDescriptor descriptor) =>
        descriptor.ServiceType == typeof(IConfigureGrainContextProvider) &&
        descriptor.ImplementationFactory?.Method.DeclaringType?.Assembly == typeof(CacheCluster).Assembly;
}

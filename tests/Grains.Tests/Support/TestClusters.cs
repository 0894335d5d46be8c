using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Grains.Jobs;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Support;

/// <summary>The <see cref="CacheCluster"/>s these tests start, and what they read from them.</summary>
internal static class TestClusters
{
    /// <summary>The prediction grain's type, as <see cref="SiloGrainActivity"/> counts it.</summary>
    public const string Prediction = "predictioncache.prediction";

    /// <summary>One silo whose job completions go through a <see cref="GatedJobStore"/> (<see cref="GatedJobs"/>).</summary>
    public static Task<CacheCluster> StartWithGatedJobsAsync(FakeInferenceBackend? backend, params (string Key, string Value)[] settings) =>
        CacheCluster.StartAsync(Options(backend, settings, services => services.UseGatedJobStore()));

    /// <summary>One silo whose entry storage goes through a <see cref="GatedGrainStorage"/> (<see cref="GatedStorage"/>).</summary>
    public static Task<CacheCluster> StartWithGatedStorageAsync(FakeInferenceBackend? backend, params (string Key, string Value)[] settings) =>
        CacheCluster.StartAsync(Options(backend, settings, services => services.UseGatedGrainStorage()));

    /// <summary>One silo whose entries and jobs live in <paramref name="database"/>, on <paramref name="clock"/> (a restart passes the first host's).</summary>
    public static Task<CacheCluster> StartOnAsync(
        TestDatabase database, FakeInferenceBackend? backend, TestClock? clock, params (string Key, string Value)[] settings)
    {
        var options = Options(backend, settings, null);
        options.Clock = clock ?? options.Clock;
        foreach (var (key, value) in database.Settings)
        {
            options.Settings[key] = value;
        }

        return CacheCluster.StartAsync(options);
    }

    /// <summary>
    /// The node of <paramref name="previous"/> (stopped) started again on <paramref name="database"/>: on its clock and at its
    /// silo's endpoint, as a restarted process comes back on its configured port (its start-up settles the jobs it owned).
    /// </summary>
    public static Task<CacheCluster> RestartOnAsync(
        TestDatabase database, CacheCluster previous, FakeInferenceBackend? backend, params (string Key, string Value)[] settings)
    {
        var port = previous.Primary.Address.Endpoint.Port;
        var options = Options(backend, settings, services => services.PostConfigure<Orleans.Configuration.EndpointOptions>(endpoints => endpoints.SiloPort = port));
        options.Clock = previous.Clock;
        foreach (var (key, value) in database.Settings)
        {
            options.Settings[key] = value;
        }

        return CacheCluster.StartAsync(options);
    }

    /// <summary>As <see cref="StartOnAsync(TestDatabase, FakeInferenceBackend?, TestClock?, ValueTuple{string, string}[])"/>, on a new clock.</summary>
    public static Task<CacheCluster> StartOnAsync(TestDatabase database, FakeInferenceBackend? backend, params (string Key, string Value)[] settings) =>
        StartOnAsync(database, backend, null, settings);

    /// <summary><paramref name="silos"/> silos sharing <paramref name="backend"/> (one instance: its calls count cluster-wide).</summary>
    public static Task<CacheCluster> StartSilosAsync(short silos, FakeInferenceBackend backend, params (string Key, string Value)[] settings)
    {
        var options = Options(backend, settings, null);
        options.Silos = silos;
        return CacheCluster.StartAsync(options);
    }

    /// <summary>The cache keys of <paramref name="texts"/> for the default model, in their order.</summary>
    public static string[] KeysOf(this CacheCluster cluster, IEnumerable<string> texts) => [.. texts.Select(text => cluster.KeyOf(text))];

    public static GatedJobStore GatedJobs(this CacheCluster cluster) => cluster.Services.GetRequiredService<GatedJobStore>();

    public static GatedGrainStorage GatedStorage(this CacheCluster cluster) => cluster.Services.GetRequiredService<GatedGrainStorage>();

    /// <summary>Jobs held by silo 0's in-memory job store.</summary>
    public static int JobCount(this CacheCluster cluster) =>
        (cluster.Services.GetService<MemoryJobStore>() ?? (MemoryJobStore)cluster.Jobs).Count;

    /// <summary>Completes once <paramref name="count"/> prediction grains have deactivated on silo 0 in all.</summary>
    public static Task WaitForPredictionDeactivationsAsync(this CacheCluster cluster, int count) =>
        cluster.Primary.Activity.WaitForDeactivationsAsync(Prediction, count);

    /// <summary>Prediction grains deactivated on silo 0 so far.</summary>
    public static int PredictionDeactivations(this CacheCluster cluster) => cluster.Primary.Activity.Deactivations(Prediction);

    /// <summary>Completes once <paramref name="condition"/> holds, checked now and on every activation change and grain call.</summary>
    public static Task WaitUntilAsync(this CacheCluster cluster, Func<bool> condition, string what) =>
        cluster.Changes.WaitUntilAsync(condition, what);

    private static CacheClusterOptions Options(FakeInferenceBackend? backend, (string Key, string Value)[] settings, Action<IServiceCollection>? services)
    {
        var options = new CacheClusterOptions { ConfigureServices = services };
        if (backend is not null)
        {
            options.Backends.Add(backend);
        }

        foreach (var (key, value) in settings)
        {
            options.Settings[key] = value;
        }

        return options;
    }
}

using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.Silo;
using PredictionCache.Silo.Storage;

namespace PredictionCache.TestKit;

/// <summary>
/// The tests' (and benchmarks') one host: an Orleans <see cref="InProcessTestCluster"/> of N silos (in-memory
/// membership and transport), each a silo of the prediction cache as the gateway composes it
/// (<see cref="PredictionCacheSiloBuilderExtensions.AddPredictionCacheSilo"/>), configured in memory
/// (<see cref="DefaultSettings"/> plus the test's), on one <see cref="TestClock"/> shared by every silo, with the
/// test's models and service overrides. Each test starts its own, so no test sees another's keys, counters or jobs.
/// </summary>
public sealed class CacheCluster : IAsyncDisposable
{
    /// <summary>
    /// What every silo runs with unless the test says otherwise: entries and jobs in memory, one directory shard, and
    /// a storage upkeep interval no test reaches (a test runs its passes itself).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> DefaultSettings = new Dictionary<string, string?>
    {
        ["Storage:Provider"] = "memory",
        ["Cache:DirectoryShards"] = "1",
        ["Storage:MaintenanceIntervalSeconds"] = "3600",
    };

    private CacheCluster(InProcessTestCluster cluster, TestClock clock, ChangeSignal changes)
    {
        Cluster = cluster;
        Clock = clock;
        Changes = changes;
        Silos = cluster.Silos.Select(s => new CacheSilo(s)).ToArray();
    }

    /// <summary>The clock of every silo.</summary>
    public TestClock Clock { get; }

    /// <summary>Orleans' test cluster underneath.</summary>
    public InProcessTestCluster Cluster { get; }

    /// <summary>Announces every activation, deactivation and finished grain call on any silo (for <see cref="ChangeSignal.WaitUntilAsync"/>).</summary>
    public ChangeSignal Changes { get; }

    /// <summary>The silos, in start order.</summary>
    public IReadOnlyList<CacheSilo> Silos { get; }

    /// <summary>Silo 0, through which the shortcuts below go.</summary>
    public CacheSilo Primary => Silos[0];

    /// <summary>Silo 0's services.</summary>
    public IServiceProvider Services => Primary.Services;

    public IGrainFactory Grains => Primary.Grains;

    public IJobStore Jobs => Primary.Jobs;

    /// <summary>Silo 0's entry storage (the keyed <see cref="IGrainStorage"/> <c>cache</c>).</summary>
    public IGrainStorage Storage => Primary.Storage;

    internal PredictionService Predictions => Primary.Predictions;

    internal CacheStatistics Statistics => Primary.Statistics;

    internal CacheStorageService StorageUpkeep => Primary.StorageUpkeep;

    /// <summary>Starts one silo with <paramref name="backend"/> (if any) as its only model and <paramref name="settings"/> over the defaults.</summary>
    public static Task<CacheCluster> StartAsync(IInferenceBackend? backend, params (string Key, string Value)[] settings)
    {
        var options = new CacheClusterOptions();
        if (backend is not null)
        {
            options.Backends.Add(backend);
        }

        foreach (var (key, value) in settings)
        {
            options.Settings[key] = value;
        }

        return StartAsync(options);
    }

    /// <summary>Starts a cluster as <paramref name="options"/> say and waits until every silo sees every other.</summary>
    public static async Task<CacheCluster> StartAsync(CacheClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = options.Clock;
        var changes = new ChangeSignal();
        var settings = DefaultSettings.Concat(options.Settings).ToArray();
        var backends = options.Backends.ToArray();
        var configureServices = options.ConfigureServices;

        var builder = new InProcessTestClusterBuilder(options.Silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(settings));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddPredictionCacheSilo();
            var services = silo.Services;
            services.UseTestClock(clock);
            services.AddSingleton(sp => new SiloGrainActivity(changes, sp.GetRequiredService<IMeterFactory>()));
            services.AddSingleton<IConfigureGrainContextProvider>(sp => sp.GetRequiredService<SiloGrainActivity>());
            if (backends.Length > 0)
            {
                services.UseInferenceBackends(backends);
            }

            configureServices?.Invoke(services);
        });

        var cluster = builder.Build();
        try
        {
            await TestWait.ForAsync(cluster.DeployAsync(), "the cluster to start");
            if (options.Silos > 1)
            {
                await TestWait.ForAsync(cluster.WaitForLivenessToStabilizeAsync(), "the silos to see each other");
            }

            return new CacheCluster(cluster, clock, changes);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The silo <paramref name="address"/> names.</summary>
    public CacheSilo SiloAt(SiloAddress address) => Silos.Single(s => s.Address.Equals(address));

    /// <summary>The prediction grains active on all silos now.</summary>
    public int PredictionActivations => Silos.Sum(s => s.PredictionActivations);

    /// <summary>Stops every silo (as a process exit would, gracefully) and releases the cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await TestWait.ForAsync(Cluster.StopAllSilosAsync(), "the silos to stop");
        }
        finally
        {
            await Cluster.DisposeAsync();
        }
    }
}

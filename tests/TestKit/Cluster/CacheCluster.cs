using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Models;
using PredictionCache.Grains.Prediction;
using PredictionCache.Silo;
using PredictionCache.Silo.Storage;

namespace PredictionCache.TestKit;

/// <summary>
/// The tests' (and benchmarks') one host: an Orleans <see cref="InProcessTestCluster"/> of N silos (in-memory
/// transport; in-memory membership and grain directory, or Redis's, <see cref="CacheClusterOptions.RedisConnectionString"/>),
/// each a silo of the prediction cache as the gateway composes it
/// (<see cref="PredictionCacheSiloBuilderExtensions.AddPredictionCacheSilo"/>), configured in memory
/// (<see cref="DefaultSettings"/> plus the test's), on one <see cref="TestClock"/> shared by every silo (or the system
/// clock, <see cref="CacheClusterOptions.RealClock"/>), with the test's models and service overrides. Each test starts
/// its own, so no test sees another's keys, counters or jobs.
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

    /// <summary>
    /// Clusters alive at once in this process: one per core. Starting and running a cluster is CPU-bound, and tests run
    /// in parallel; beyond this many, every cluster in the process (and every test's hang guard) would slow together.
    /// </summary>
    private static readonly SemaphoreSlim Running = new(Math.Max(2, Environment.ProcessorCount));

    private int _disposed;

    private CacheCluster(InProcessTestCluster cluster, TestClock clock, ChangeSignal changes, FakeInferenceBackend? backend)
    {
        Cluster = cluster;
        Clock = clock;
        Changes = changes;
        Backend = backend;
        Silos = cluster.Silos.Select(s => new CacheSilo(s)).ToArray();
    }

    /// <summary>The clock of every silo (unless <see cref="CacheClusterOptions.RealClock"/>).</summary>
    public TestClock Clock { get; }

    /// <summary>The default model's backend, when the test gave a <see cref="FakeInferenceBackend"/> first.</summary>
    public FakeInferenceBackend? Backend { get; }

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

    /// <summary>The default model.</summary>
    public ModelDescriptor Model => Primary.Model;

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
        var settings = new Dictionary<string, string?>(DefaultSettings, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in options.Settings)
        {
            settings[key] = value;
        }

        var backends = options.Backends.ToArray();
        var configureServices = options.ConfigureServices;
        var realClock = options.RealClock;
        var redis = options.RedisConnectionString;

        var builder = new InProcessTestClusterBuilder(options.Silos);
        builder.Options.ConfigureFileLogging = false;
        if (redis is not null)
        {
            UseRedisClustering(builder, settings, redis);
        }

        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(settings));
        builder.ConfigureSilo((_, silo) =>
        {
            if (redis is not null)
            {
                // As a node starts (SiloProgram): Orleans' section picks the membership, this adds the rest.
                silo.UseConfiguredClustering(silo.Configuration);
            }

            silo.AddPredictionCacheSilo();
            var services = silo.Services;
            if (!realClock)
            {
                services.UseTestClock(clock);
            }

            services.AddSingleton(sp => new SiloGrainActivity(changes, sp.GetRequiredService<IMeterFactory>()));
            services.AddSingleton<IConfigureGrainContextProvider>(sp => sp.GetRequiredService<SiloGrainActivity>());
            if (backends.Length > 0)
            {
                services.UseInferenceBackends(backends);
            }

            configureServices?.Invoke(services);
        });

        // Waiting for a place is queueing behind other tests, not something that should happen at once: no hang guard.
        await Running.WaitAsync();
        InProcessTestCluster cluster;
        try
        {
            cluster = builder.Build();
        }
        catch
        {
            Running.Release();
            throw;
        }

        try
        {
            await TestWait.ForAsync(cluster.DeployAsync(), "the cluster to start");
            if (options.Silos > 1)
            {
                await TestWait.ForAsync(cluster.WaitForLivenessToStabilizeAsync(), "the silos to see each other");
            }

            var started = new CacheCluster(cluster, clock, changes, backends.FirstOrDefault() as FakeInferenceBackend);
            if (options.Silos > 1)
            {
                // Orleans' wait above gives up quietly after a while; a test must not start before every silo sees every other.
                var addresses = started.Silos.Select(static s => s.Address).ToArray();
                await Task.WhenAll(started.Silos.Select(s => s.WaitForMembershipAsync(
                    view => addresses.All(a => view.GetSiloStatus(a) == SiloStatus.Active), "every silo to be active")));
            }

            return started;
        }
        catch
        {
            try
            {
                await cluster.DisposeAsync();
            }
            finally
            {
                Running.Release();
            }

            throw;
        }
    }

    /// <summary>
    /// Kills <paramref name="silo"/> with Orleans' <see cref="InProcessTestCluster.KillSiloAsync(InProcessSiloHandle)"/>:
    /// its host stops at once, without a graceful shutdown, and is disposed; its <see cref="CacheSilo"/> stays in
    /// <see cref="Silos"/>, its services gone. Not quite a crash: Orleans' runtime still writes the silo <c>Dead</c> in
    /// the membership table on its way down, so the others learn of it then, not by missed probes.
    /// </summary>
    public Task KillAsync(CacheSilo silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return TestWait.ForAsync(Cluster.KillSiloAsync(silo.Handle), $"{silo.Name} to be killed");
    }

    /// <summary>The silo <paramref name="address"/> names.</summary>
    public CacheSilo SiloAt(SiloAddress address) => Silos.Single(s => s.Address.Equals(address));

    /// <summary>The prediction grains active on all silos now.</summary>
    public int PredictionActivations => Silos.Sum(s => s.PredictionActivations);

    /// <summary>The cache key of <paramref name="text"/> for the default model.</summary>
    public string KeyOf(string text, string tenant = "") => Primary.KeyOf(text, tenant);

    /// <summary>The prediction grain of <paramref name="text"/> for the default model.</summary>
    public IPredictionGrain GrainOf(string text) => Primary.GrainOf(text);

    /// <summary>Sends <paramref name="text"/> through silo 0 (<see cref="CacheSilo.PredictAsync"/>).</summary>
    public Task<PredictionOutcome> PredictAsync(string text, CacheDirectives directives = default, string tenant = "") => Primary.PredictAsync(text, directives, tenant);

    /// <summary>Sends <paramref name="text"/> through silo 0 and returns its finished job (<see cref="CacheSilo.InsertAsync"/>).</summary>
    public Task<JobRecord> InsertAsync(string text, string tenant = "") => Primary.InsertAsync(text, tenant);

    /// <summary>The job once it has finished (<see cref="CacheSilo.WaitForJobAsync"/>).</summary>
    public Task<JobRecord> WaitForJobAsync(Guid id) => Primary.WaitForJobAsync(id);

    /// <summary>Whether storage holds an entry for <paramref name="key"/> (<see cref="CacheSilo.StorageHoldsAsync"/>).</summary>
    public Task<bool> StorageHoldsAsync(string key) => Primary.StorageHoldsAsync(key);

    /// <summary>The rows in <c>cache_entries</c> (<see cref="CacheSilo.CountStoredRowsAsync"/>).</summary>
    public Task<long> CountStoredRowsAsync() => Primary.CountStoredRowsAsync();

    /// <summary>
    /// Orleans' Redis clustering and grain directory on <paramref name="redis"/>, set as a node's configuration sets them,
    /// in place of the test cluster's in-memory membership table and grain directory. The ids are the test cluster's:
    /// its client, configured from the same keys, finds the silos' gateways in Redis.
    /// </summary>
    private static void UseRedisClustering(InProcessTestClusterBuilder builder, Dictionary<string, string?> settings, string redis)
    {
        // Orleans 10.4.2 keeps this switch internal (the builder turns it on). Off, the test cluster registers neither
        // its membership table nor its grain directory, on the silos or the client.
        var testMembership = typeof(InProcessTestClusterOptions).GetProperty("UseTestClusterMembership", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException(
                "InProcessTestClusterOptions.UseTestClusterMembership is gone: this Orleans needs another way to turn off the test membership.");
        testMembership.SetValue(builder.Options, false);

        var clustering = new Dictionary<string, string?>
        {
            ["Orleans:Clustering:ProviderType"] = "Redis",
            ["Orleans:Clustering:ConnectionString"] = redis,
            ["Orleans:ClusterId"] = builder.Options.ClusterId,
            ["Orleans:ServiceId"] = builder.Options.ServiceId,
        };
        foreach (var (key, value) in clustering)
        {
            settings[key] = value;
        }

        builder.ConfigureClientHost(host => host.Configuration.AddInMemoryCollection(clustering));
        builder.ConfigureClient(client => client.UseConfiguredClustering(client.Configuration));
    }

    /// <summary>Stops every silo (as a process exit would, gracefully) and releases the cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await TestWait.ForAsync(Cluster.StopAllSilosAsync(), "the silos to stop");
        }
        finally
        {
            try
            {
                await Cluster.DisposeAsync();
            }
            finally
            {
                Running.Release();
            }
        }
    }
}

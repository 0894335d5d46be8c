using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Models;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Storage;
using PredictionCache.Silo;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Support;

/// <summary>
/// One silo with the prediction cache, as the gateway hosts it, on a manual clock and (optionally) a fake model.
/// Each test starts its own, so no test sees another's keys, counters or jobs.
/// </summary>
internal sealed class CacheHost : IAsyncDisposable
{
    /// <summary>How long a test waits for something that should happen at once before it fails instead of hanging.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private const string InnerStorageName = "Inner";

    /// <summary>A job wait long enough never to time out on the manual clock in a test.</summary>
    private static readonly TimeSpan LongJobWait = TimeSpan.FromDays(30);

    private readonly ServiceProvider _services;
    private readonly IHostedService[] _hostedServices;

    private CacheHost(ServiceProvider services, ManualTimeProvider clock, FakeInferenceBackend? backend)
    {
        _services = services;
        Clock = clock;
        Backend = backend;
        _hostedServices = services.GetServices<IHostedService>().ToArray();
        Predictions = services.GetRequiredService<PredictionService>();
        Grains = services.GetRequiredService<IGrainFactory>();
        Silo = services.GetRequiredService<ISiloManagement>();
        Statistics = services.GetRequiredService<CacheStatistics>();
        Jobs = services.GetRequiredService<IJobStore>();
        Storage = services.GetRequiredKeyedService<IGrainStorage>(SiloBuilder.DefaultStorageName);
        Activity = new SiloActivity(services.GetRequiredService<IMeterFactory>());
    }

    public ManualTimeProvider Clock { get; }

    public FakeInferenceBackend? Backend { get; }

    public PredictionService Predictions { get; }

    public IGrainFactory Grains { get; }

    public ISiloManagement Silo { get; }

    public CacheStatistics Statistics { get; }

    public IJobStore Jobs { get; }

    public IGrainStorage Storage { get; }

    public SiloActivity Activity { get; }

    /// <summary>The storage upkeep service, whose pass a test runs itself with <see cref="CacheStorageService.RunOnceAsync"/>.</summary>
    public CacheStorageService StorageUpkeep => _hostedServices.OfType<CacheStorageService>().Single();

    public IServiceProvider Services => _services;

    public ModelDescriptor Model => Predictions.Models.Default;

    /// <summary>The job store, when the host was started with gated jobs.</summary>
    public GatedJobStore GatedJobs => Jobs as GatedJobStore ?? throw new InvalidOperationException("Start the host with gated jobs.");

    /// <summary>The grain storage, when the host was started with gated storage.</summary>
    public GatedGrainStorage GatedStorage => Storage as GatedGrainStorage ?? throw new InvalidOperationException("Start the host with gated storage.");

    /// <summary>Jobs stored so far (the in-memory store's count).</summary>
    public int JobCount => (_services.GetService<MemoryJobStore>() ?? (MemoryJobStore)Jobs).Count;

    public int PredictionActivations => Silo.GetActivationCount<PredictionGrain>();

    /// <summary>Starts a host with <paramref name="settings"/> as configuration and <paramref name="backend"/> as its only model.</summary>
    public static Task<CacheHost> StartAsync(FakeInferenceBackend? backend, params (string Key, string Value)[] settings) =>
        StartAsync(backend, gateJobs: false, gateStorage: false, settings);

    /// <summary>As <see cref="StartAsync(FakeInferenceBackend?, ValueTuple{string, string}[])"/>, with job completions behind <see cref="GatedJobs"/>.</summary>
    public static Task<CacheHost> StartWithGatedJobsAsync(FakeInferenceBackend? backend, params (string Key, string Value)[] settings) =>
        StartAsync(backend, gateJobs: true, gateStorage: false, settings);

    /// <summary>As <see cref="StartAsync(FakeInferenceBackend?, ValueTuple{string, string}[])"/>, with grain storage writes behind <see cref="GatedStorage"/>.</summary>
    public static Task<CacheHost> StartWithGatedStorageAsync(FakeInferenceBackend? backend, params (string Key, string Value)[] settings) =>
        StartAsync(backend, gateJobs: false, gateStorage: true, settings);

    /// <summary>
    /// Starts a host whose entries and jobs live in <paramref name="database"/> (SQLite or PostgreSQL), on a new clock.
    /// </summary>
    public static Task<CacheHost> StartOnAsync(TestDatabase database, FakeInferenceBackend? backend, params (string Key, string Value)[] settings) =>
        StartOnAsync(database, backend, new ManualTimeProvider(), settings);

    /// <summary>
    /// As <see cref="StartOnAsync(TestDatabase, FakeInferenceBackend?, ValueTuple{string, string}[])"/>, on
    /// <paramref name="clock"/>: after disposing a host, a second one on its database and clock is a restart.
    /// </summary>
    public static Task<CacheHost> StartOnAsync(
        TestDatabase database, FakeInferenceBackend? backend, ManualTimeProvider clock, params (string Key, string Value)[] settings)
    {
        ArgumentNullException.ThrowIfNull(database);
        return StartAsync(backend, gateJobs: false, gateStorage: false, [.. database.Settings, .. settings], clock);
    }

    private static async Task<CacheHost> StartAsync(
        FakeInferenceBackend? backend, bool gateJobs, bool gateStorage, (string Key, string Value)[] settings, ManualTimeProvider? clock = null)
    {
        clock ??= new ManualTimeProvider();
        var services = new ServiceCollection();
        services.AddLogging();

        // Registered before AddPredictionCache, whose TryAdd then keeps it.
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection([new("Storage:Provider", "memory"), new("Storage:MaintenanceIntervalSeconds", "3600")])
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());
        services.AddPredictionCache();
        if (backend is not null)
        {
            services.RemoveAll<IInferenceBackend>();
            services.AddSingleton<IInferenceBackend>(backend);
        }

        if (gateJobs)
        {
            services.RemoveAll<IJobStore>();
            services.AddSingleton<MemoryJobStore>();
            services.AddSingleton<IJobStore>(sp => new GatedJobStore(sp.GetRequiredService<MemoryJobStore>()));
        }

        if (gateStorage)
        {
            // The silo's own in-memory provider (internal to it) moves under another key, behind the gate.
            var memory = services.Single(d => d.IsKeyedService && Equals(d.ServiceKey, SiloBuilder.DefaultStorageName) && d.ServiceType == typeof(IGrainStorage));
            services.Remove(memory);
            services.AddKeyedSingleton<IGrainStorage>(InnerStorageName, (sp, key) => (IGrainStorage)memory.KeyedImplementationFactory!(sp, key));
            services.AddKeyedSingleton<IGrainStorage>(
                SiloBuilder.DefaultStorageName, (sp, _) => new GatedGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(InnerStorageName)));
        }

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        try
        {
            // What the generic host does at start: validate the options that asked for it, then start the services.
            provider.GetService<IStartupValidator>()?.Validate();
            var host = new CacheHost(provider, clock, backend);
            foreach (var hosted in host._hostedServices)
            {
                await hosted.StartAsync(CancellationToken.None);
            }

            return host;
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }

    public string KeyOf(string text) => KeyBuilder.Build(Model, Normalize(text));

    public IPredictionGrain GrainOf(string text) => Grains.GetGrain<IPredictionGrain>(KeyOf(text));

    /// <summary>Sends <paramref name="text"/> as the gateway would: normalized, for the default model.</summary>
    public Task<PredictOutcome> PredictAsync(string text, CacheDirectives directives = default) =>
        Predictions.PredictAsync(Model, text, Normalize(text), directives).AsTask().WaitAsync(HangGuard);

    /// <summary>The job once it has finished.</summary>
    public async Task<JobRecord> WaitForJobAsync(Guid id)
    {
        var job = await Jobs.WaitAsync(id, LongJobWait).WaitAsync(HangGuard);
        Assert.NotNull(job);
        Assert.True(job.IsFinished, $"Job {id} is still {job.Status}.");
        return job;
    }

    /// <summary>Sends <paramref name="text"/>, expects a new inference, lets the (open) fake answer and returns the finished job.</summary>
    public async Task<JobRecord> InsertAsync(string text)
    {
        var outcome = await PredictAsync(text);
        Assert.Equal(PredictOutcomeKind.Started, outcome.Kind);
        return await WaitForJobAsync(outcome.JobId);
    }

    /// <summary>Whether storage holds a record for the prediction grain of <paramref name="key"/>.</summary>
    public async Task<bool> StorageHoldsAsync(string key)
    {
        var probe = new ProbeState();
        await Storage.ReadStateAsync("entry", Grains.GetGrain<IPredictionGrain>(key).GrainId, probe);
        return probe.RecordExists;
    }

    /// <summary>The rows in <c>cache_entries</c>, counted by SQL (durable providers only).</summary>
    public async Task<long> CountStoredRowsAsync()
    {
        var database = _services.GetRequiredService<StorageDatabase>();
        await using var connection = await database.OpenConnectionAsync();
        await using var command = StorageDatabase.CreateCommand(connection, "SELECT COUNT(*) FROM cache_entries");
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var hosted in _hostedServices.Reverse())
            {
                await hosted.StopAsync(CancellationToken.None).WaitAsync(HangGuard);
            }
        }
        finally
        {
            Activity.Dispose();
            await _services.DisposeAsync();
        }
    }

    private static string Normalize(string text) =>
        TextNormalizer.Normalize(text) ?? throw new ArgumentException("Not valid Unicode.", nameof(text));

    private sealed class ProbeState : IGrainState<CacheEntry>
    {
        public CacheEntry State { get; set; } = new();

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }
}

using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Placement;
using Orleans.Storage;
using Orleans.TestingHost;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Models;
using PredictionCache.Grains.Placement;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tenants;
using PredictionCache.Silo;
using PredictionCache.Silo.Storage;

namespace PredictionCache.TestKit;

/// <summary>One silo of a <see cref="CacheCluster"/>: its services, its silo-local parts, and requests sent through it.</summary>
public sealed class CacheSilo
{
    /// <summary>A job wait long enough never to time out on the test clock.</summary>
    private static readonly TimeSpan LongJobWait = TimeSpan.FromDays(30);

    internal CacheSilo(InProcessSiloHandle handle)
    {
        Handle = handle;
        Services = handle.ServiceProvider;
        Activity = Services.GetRequiredService<SiloGrainActivity>();
    }

    /// <summary>Orleans' handle of the silo.</summary>
    public InProcessSiloHandle Handle { get; }

    public SiloAddress Address => Handle.SiloAddress;

    public string Name => Handle.Name;

    /// <summary>The silo's service provider: its silo-local singletons.</summary>
    public IServiceProvider Services { get; }

    /// <summary>The cache's activations on this silo.</summary>
    public SiloGrainActivity Activity { get; }

    /// <summary>The silo's grain factory (calls from it start on this silo).</summary>
    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    public IJobStore Jobs => Services.GetRequiredService<IJobStore>();

    /// <summary>The grain storage provider that keeps entries (keyed <c>cache</c>).</summary>
    public IGrainStorage Storage => Services.GetRequiredKeyedService<IGrainStorage>(PredictionGrain.StorageName);

    /// <summary>The prediction grains active on this silo now.</summary>
    public int PredictionActivations => Activity.ActiveCount(PredictionCacheSiloBuilderExtensions.PredictionGrainType);

    internal PredictionService Predictions => Services.GetRequiredService<PredictionService>();

    internal CacheStatistics Statistics => Services.GetRequiredService<CacheStatistics>();

    internal SiloLocalEntries Entries => Services.GetRequiredService<SiloLocalEntries>();

    internal SiloLocalDirectory Directory => Services.GetRequiredService<SiloLocalDirectory>();

    internal SiloLocalClearState ClearState => Services.GetRequiredService<SiloLocalClearState>();

    /// <summary>This silo's tenants: their limits and counters.</summary>
    internal SiloLocalTenants Tenants => Services.GetRequiredService<SiloLocalTenants>();

    /// <summary>What settles the jobs of silos membership declares dead (a SQL job store only).</summary>
    internal DeadSiloJobSettler DeadSiloJobs => Services.GetRequiredService<DeadSiloJobSettler>();

    /// <summary>The storage upkeep, whose pass a test runs itself with <see cref="CacheStorageService.RunOnceAsync"/>.</summary>
    internal CacheStorageService StorageUpkeep => Services.GetRequiredService<CacheStorageService>();

    /// <summary>The default model.</summary>
    public ModelDescriptor Model => Predictions.Models.Default;

    /// <summary>The cache key of <paramref name="text"/> for the default model and <paramref name="tenant"/> (empty: none).</summary>
    public string KeyOf(string text, string tenant = "") => KeyBuilder.Build(Model, Normalize(text), tenant);

    /// <summary>The entry this silo has published for <paramref name="text"/> of the default model, if any.</summary>
    internal bool TryGetPublished(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PublishedEntry? published, string tenant = "") =>
        Entries.TryGet(tenant, Model.Name, Normalize(text), out published);

    /// <summary>True when this silo has published an entry for <paramref name="text"/> of the default model and <paramref name="tenant"/>.</summary>
    public bool IsPublished(string text, string tenant = "") => TryGetPublished(text, out _, tenant);

    /// <summary>Whether the prediction grain of <paramref name="text"/> has an activation on this silo.</summary>
    public bool IsActive(string text) => Activity.IsActive(PredictionCacheSiloBuilderExtensions.PredictionGrainType, KeyOf(text));

    public IPredictionGrain GrainOf(string text) => Grains.GetGrain<IPredictionGrain>(KeyOf(text));

    /// <summary>This silo's directory shard <paramref name="index"/>.</summary>
    public ICacheDirectoryGrain Shard(int index) =>
        Grains.GetGrain<ICacheDirectoryGrain>(SiloBoundPlacement.KeyOf(Address, index.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// Sends <paramref name="text"/> through this silo's front door as the gateway would (normalized, for the default
    /// model). A grain activated by the request is placed on this silo (Orleans' placement hint); one active elsewhere
    /// answers from there.
    /// </summary>
    public async Task<PredictionOutcome> PredictAsync(
        string text, CacheDirectives directives = default, string tenant = "", CancellationToken cancellationToken = default)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, Address);
        try
        {
            return await TestWait.ForAsync(
                Predictions.PredictAsync(Predictions.Models.DefaultModel, text, Normalize(text), directives, tenant, cancellationToken),
                $"the prediction of '{text}'");
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    /// <summary>The job once it has finished; throws when it is unknown.</summary>
    public async Task<JobRecord> WaitForJobAsync(Guid id)
    {
        var job = await TestWait.ForAsync(Jobs.WaitAsync(id, LongJobWait), $"job {id}");
        return job is { IsFinished: true } ? job : throw new InvalidOperationException($"Job {id} is {job?.Status.ToString() ?? "unknown"}.");
    }

    /// <summary>
    /// Completes once this silo's view of the cluster satisfies <paramref name="condition"/>: checked on the view it has
    /// and on every newer one membership gives it; fails with <paramref name="what"/> named after <see cref="TestWait.HangGuard"/>.
    /// </summary>
    public async Task WaitForMembershipAsync(Func<ClusterMembershipSnapshot, bool> condition, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var membership = Services.GetRequiredService<IClusterMembershipService>();
        using var guard = new CancellationTokenSource(TestWait.HangGuard);
        try
        {
            await foreach (var view in membership.MembershipUpdates.WithCancellation(guard.Token))
            {
                if (condition(view))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (guard.IsCancellationRequested)
        {
            throw new TimeoutException($"Waited {TestWait.HangGuard.TotalSeconds:0} s for {what}, as {Name} sees the cluster.");
        }

        throw new InvalidOperationException($"{Name} stopped before {what}.");
    }

    /// <summary>Completes once this silo sees <paramref name="silo"/> with <paramref name="status"/> (<see cref="WaitForMembershipAsync"/>).</summary>
    public Task WaitForStatusAsync(SiloAddress silo, SiloStatus status) =>
        WaitForMembershipAsync(view => view.GetSiloStatus(silo) == status, $"{silo} to be {status}");

    /// <summary>Sends <paramref name="text"/>, expects a new inference, and returns its finished job (the model must answer).</summary>
    public async Task<JobRecord> InsertAsync(string text, string tenant = "")
    {
        var outcome = await PredictAsync(text, tenant: tenant);
        return outcome.Status == PredictionStatus.Started
            ? await WaitForJobAsync(outcome.JobId)
            : throw new InvalidOperationException($"'{text}' was {outcome.Status}, not Started.");
    }

    /// <summary>Whether storage holds a record for the prediction grain of <paramref name="key"/> (read without activating it).</summary>
    public async Task<bool> StorageHoldsAsync(string key)
    {
        var probe = new ProbeState<CacheEntry>();
        await Storage.ReadStateAsync(PredictionGrain.StateName, GrainId.Create(PredictionCacheSiloBuilderExtensions.PredictionGrainType, key), probe);
        return probe.RecordExists;
    }

    /// <summary>The rows in <c>cache_entries</c>, counted by SQL (durable providers only).</summary>
    public async Task<long> CountStoredRowsAsync()
    {
        var database = Services.GetRequiredService<StorageDatabase>();
        await using var connection = await database.OpenConnectionAsync();
        await using var command = StorageDatabase.CreateCommand(connection, "SELECT COUNT(*) FROM cache_entries");
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static string Normalize(string text) =>
        TextNormalizer.Normalize(text) ?? throw new ArgumentException("Not valid Unicode.", nameof(text));

    private sealed class ProbeState<T> : IGrainState<T>
    {
        public T? State { get; set; }

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }
}

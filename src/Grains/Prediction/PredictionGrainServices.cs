using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Models;
using PredictionCache.Grains.Tenants;

namespace PredictionCache.Grains.Prediction;

/// <summary>
/// Everything a prediction grain uses, in one singleton: a grain holds one reference to it instead of ten, which
/// matters at a million activations. The silo-local parts are this silo's own (see each type).
/// </summary>
internal sealed class PredictionGrainServices(
    ModelCatalog models,
    IJobStore jobs,
    JobCompletionRetries jobCompletions,
    CacheStatistics statistics,
    SiloLocalClearState clearState,
    SiloLocalDirectory directory,
    SiloLocalEntries published,
    SiloLocalTenants tenants,
    IOptions<CacheOptions> options,
    TimeProvider time,
    ILogger<PredictionGrain> logger,
    ILocalSiloDetails? localSilo = null)
{
    /// <summary>The silo a job started here is owned by (<see cref="JobRecord.Owner"/>); null off a silo.</summary>
    public string? JobOwner { get; } = localSilo?.SiloAddress.ToParsableString();

    public ModelCatalog Models { get; } = models;

    public IJobStore Jobs { get; } = jobs;

    /// <summary>Where a job completion storage refused is written again later.</summary>
    public JobCompletionRetries JobCompletions { get; } = jobCompletions;

    public CacheStatistics Statistics { get; } = statistics;

    public SiloLocalClearState ClearState { get; } = clearState;

    public SiloLocalDirectory Directory { get; } = directory;

    public SiloLocalEntries Published { get; } = published;

    /// <summary>This silo's tenants: their limits and counters.</summary>
    public SiloLocalTenants Tenants { get; } = tenants;

    /// <summary>How long a failure is remembered; zero: not at all.</summary>
    public TimeSpan NegativeTtl { get; } = TimeSpan.FromSeconds(options.Value.NegativeTtlSeconds);

    /// <summary>How long an expired entry is kept for fail-safe and <c>max-stale</c>.</summary>
    public TimeSpan Grace { get; } = TimeSpan.FromSeconds(options.Value.GraceSeconds);

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = logger;

    /// <summary>
    /// Counts a hit on <paramref name="published"/> (level 2 when it is the first since the entry came back from
    /// storage) and touches the key for its shard's LRU order: what every hit does, on whichever path it is served.
    /// </summary>
    public void CountHit(PublishedEntry published)
    {
        if (published.TakeFromStorage())
        {
            Statistics.StorageHit();
            published.Tenant?.Statistics.StorageHit();
        }
        else
        {
            Statistics.Hit();
            published.Tenant?.Statistics.Hit();
        }

        Directory.Touch(published.Shard, published.Key, ref published.TouchedEpoch);
    }
}

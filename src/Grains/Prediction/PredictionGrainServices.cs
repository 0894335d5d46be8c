using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Models;

namespace PredictionCache.Grains.Prediction;

/// <summary>
/// Everything a prediction grain uses, in one singleton: a grain holds one reference to it instead of eight,
/// which matters at a million activations.
/// </summary>
internal sealed class PredictionGrainServices(
    ModelCatalog models,
    IJobStore jobs,
    JobCompletionRetries jobCompletions,
    CacheStatistics statistics,
    DirectoryShards directory,
    IOptions<CacheOptions> options,
    TimeProvider time,
    ILogger<PredictionGrain> logger)
{
    public ModelCatalog Models { get; } = models;

    public IJobStore Jobs { get; } = jobs;

    /// <summary>Where a job completion storage refused is written again later.</summary>
    public JobCompletionRetries JobCompletions { get; } = jobCompletions;

    public CacheStatistics Statistics { get; } = statistics;

    public DirectoryShards Directory { get; } = directory;

    /// <summary>How long a failure is remembered; zero: not at all.</summary>
    public TimeSpan NegativeTtl { get; } = TimeSpan.FromSeconds(options.Value.NegativeTtlSeconds);

    /// <summary>How long an expired entry is kept for fail-safe and <c>max-stale</c>.</summary>
    public TimeSpan Grace { get; } = TimeSpan.FromSeconds(options.Value.GraceSeconds);

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = logger;
}

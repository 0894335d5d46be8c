using Orleans.Concurrency;
using PredictionCache.Grains.Inference;

namespace PredictionCache.Grains.Prediction;

/// <summary>
/// One cache key (the SHA-256 hex of model, version and normalized text). Its single activation in the cluster
/// deduplicates inference: concurrent misses share one job. It owns the entry's TTL timer.
/// </summary>
[Alias("predictioncache.prediction")]
public interface IPredictionGrain : IGrainWithStringKey
{
    /// <summary>
    /// The read used when the activation lives on another silo (or for a <c>max-stale</c> read): the entry for
    /// <paramref name="probe"/>, or null. Interleaves with a miss in progress: it only reads the published entry.
    /// </summary>
    [AlwaysInterleave]
    [Alias("try-get")]
    ValueTask<CacheEntry?> TryGetAsync(CacheProbe probe);

    /// <summary>Answers from the cache, joins the inference in flight, or starts one.</summary>
    [Alias("get-or-start")]
    Task<PredictionOutcome> GetOrStartAsync(PredictionRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the entry from memory and storage; false when there was none, or when <paramref name="tenant"/> is given
    /// and the entry is not that tenant's (null: any entry, for a global key).
    /// </summary>
    [Alias("remove")]
    Task<bool> RemoveAsync(string? tenant = null, CancellationToken cancellationToken = default);

    /// <summary>Takes the outcome of the inference started for <paramref name="jobId"/> into the activation, in a turn of its own.</summary>
    [Alias("complete")]
    Task CompleteAsync(Guid jobId, InferenceOutcome outcome);

    /// <summary>The directory evicts this entry: it leaves memory (its row stays in storage) and the activation goes.</summary>
    [OneWay]
    [Alias("evict")]
    Task EvictAsync();

    /// <summary>A clear reached this key: the entry leaves memory and the activation goes (storage is cleared as a whole).</summary>
    [Alias("drop")]
    Task DropAsync();
}

using PredictionCache.Silo;

namespace PredictionCache.Grains.Prediction;

/// <summary>
/// One cache key. Its single activation deduplicates inference: concurrent misses share one job. It owns the
/// entry's TTL timer.
/// </summary>
public interface IPredictionGrain : IGrainWithStringKey
{
    /// <summary>The hit path: the fresh entry for <paramref name="probe"/>, or null. Takes no turn.</summary>
    [AlwaysInterleave]
    ValueTask<CacheEntry?> TryGetAsync(CacheProbe probe);

    /// <summary>Answers from the cache, joins the inference in flight, or starts one.</summary>
    Task<PredictionTicket> GetOrStartAsync(PredictionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Removes the entry from memory and storage; false when there was none.</summary>
    Task<bool> RemoveAsync(CancellationToken cancellationToken = default);
}

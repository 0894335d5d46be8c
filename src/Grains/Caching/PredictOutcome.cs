using PredictionCache.Grains.Prediction;

namespace PredictionCache.Grains.Caching;

/// <summary>How the cache answered one prediction request.</summary>
public enum PredictOutcomeKind
{
    /// <summary>Answered from a fresh entry.</summary>
    Hit,

    /// <summary>Answered from an expired entry within grace (<c>max-stale</c>, or fail-safe after a remembered failure).</summary>
    Stale,

    /// <summary>Answered with a failure remembered for the key (negative caching): no inference.</summary>
    Failed,

    /// <summary>A new inference started; poll the job.</summary>
    Started,

    /// <summary>Joined the inference in flight for the same key; poll the shared job.</summary>
    Joined,

    /// <summary><c>only-if-cached</c> and nothing was cached.</summary>
    NotCached,

    /// <summary>The inference queue is full.</summary>
    Overloaded,
}

/// <summary>The answer to one prediction request.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Key">The cache key.</param>
/// <param name="JobId">The job that answers it; <see cref="Guid.Empty"/> for not-cached and overloaded.</param>
/// <param name="Entry">The entry, for a hit or stale answer.</param>
/// <param name="Failure">The remembered failure, for <see cref="PredictOutcomeKind.Failed"/>; its job is <paramref name="JobId"/>.</param>
public readonly record struct PredictOutcome(PredictOutcomeKind Kind, string Key, Guid JobId, CacheEntry? Entry, PredictionFailure? Failure = null);

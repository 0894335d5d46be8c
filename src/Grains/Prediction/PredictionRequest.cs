namespace PredictionCache.Grains.Prediction;

/// <summary>What the hit path asks a prediction grain: the input to compare, and how old an answer may be.</summary>
/// <param name="NormalizedText">The normalized input.</param>
/// <param name="MaxAge">The oldest acceptable entry; null for any fresh one.</param>
/// <param name="MaxStale">How long past expiry an entry is still accepted (within grace); null for fresh entries only.</param>
public readonly record struct CacheProbe(string NormalizedText, TimeSpan? MaxAge, TimeSpan? MaxStale = null);

/// <summary>A prediction request that missed the hit path.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Text">The input as the client sent it (kept on the job).</param>
/// <param name="NormalizedText">The normalized input (what the model sees and what the key hashes).</param>
/// <param name="Directives">The client's cache directives.</param>
public sealed record PredictionRequest(string Model, string Text, string NormalizedText, CacheDirectives Directives);

/// <summary>How a prediction grain answered a request.</summary>
public enum PredictionStatus
{
    /// <summary>A fresh entry answered it.</summary>
    Hit,

    /// <summary>An expired entry within grace answered it: <c>max-stale</c>, or a remembered failure.</summary>
    Stale,

    /// <summary>A failure remembered for the key (negative caching) answered it; no inference.</summary>
    Failed,

    /// <summary>It started a new inference and job.</summary>
    Started,

    /// <summary>It joined the inference already in flight for the key.</summary>
    Joined,

    /// <summary><c>only-if-cached</c> and nothing fresh was cached.</summary>
    NotCached,

    /// <summary>The inference queue is full; try later.</summary>
    Overloaded,
}

/// <summary>A prediction grain's answer.</summary>
/// <param name="Status">What happened.</param>
/// <param name="JobId">The job that answers it (for a hit, the one that produced the entry).</param>
/// <param name="Entry">The entry, for a hit.</param>
/// <param name="Failure">The remembered failure, for <see cref="PredictionStatus.Failed"/>.</param>
public sealed record PredictionTicket(PredictionStatus Status, Guid JobId, CacheEntry? Entry, PredictionFailure? Failure = null);

/// <summary>Why a job failed, as remembered for its key.</summary>
/// <param name="Error">The job's error.</param>
/// <param name="TimedOut">True when it failed by taking too long.</param>
public sealed record PredictionFailure(string Error, bool TimedOut);

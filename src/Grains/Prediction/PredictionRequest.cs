namespace PredictionCache.Grains.Prediction;

/// <summary>What a read of a prediction grain asks: the input to compare, and how old an answer may be.</summary>
/// <param name="NormalizedText">The normalized input.</param>
/// <param name="MaxAge">The oldest acceptable entry; null for any fresh one.</param>
/// <param name="MaxStale">How long past expiry an entry is still accepted (within grace); null for fresh entries only.</param>
[GenerateSerializer, Immutable, Alias("predictioncache.probe")]
public readonly record struct CacheProbe(
    [property: Id(0)] string NormalizedText, [property: Id(1)] TimeSpan? MaxAge, [property: Id(2)] TimeSpan? MaxStale = null);

/// <summary>A prediction request that the silo-local published entries did not answer.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Text">The input as the client sent it (kept on the job).</param>
/// <param name="NormalizedText">The normalized input (what the model sees and what the key hashes).</param>
/// <param name="Directives">The client's cache directives.</param>
/// <param name="Tenant">The tenant the key belongs to; empty for none (a global key, or a model all tenants share).</param>
[GenerateSerializer, Immutable, Alias("predictioncache.request")]
public sealed record PredictionRequest(
    [property: Id(0)] string Model,
    [property: Id(1)] string Text,
    [property: Id(2)] string NormalizedText,
    [property: Id(3)] CacheDirectives Directives,
    [property: Id(4)] string Tenant = "");

/// <summary>How the cache answered one prediction request.</summary>
[GenerateSerializer]
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

    /// <summary>The tenant has its limit of inferences in flight (<c>Tenants:MaxInflight</c>); try later.</summary>
    TenantOverloaded,
}

/// <summary>The answer to one prediction request, from the grain to the endpoint.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Key">The cache key.</param>
/// <param name="JobId">The job that answers it (for a hit, the one that produced the entry); empty for not-cached and overloaded.</param>
/// <param name="Entry">The entry, for a hit or a stale answer.</param>
/// <param name="Failure">The remembered failure, for <see cref="PredictionStatus.Failed"/>.</param>
[GenerateSerializer, Immutable, Alias("predictioncache.outcome")]
public sealed record PredictionOutcome(
    [property: Id(0)] PredictionStatus Status,
    [property: Id(1)] string Key,
    [property: Id(2)] Guid JobId,
    [property: Id(3)] CacheEntry? Entry,
    [property: Id(4)] PredictionFailure? Failure = null);

/// <summary>Why a job failed, as remembered for its key.</summary>
/// <param name="Error">The job's error.</param>
/// <param name="TimedOut">True when it failed by taking too long.</param>
[GenerateSerializer, Immutable, Alias("predictioncache.failure")]
public sealed record PredictionFailure([property: Id(0)] string Error, [property: Id(1)] bool TimedOut);

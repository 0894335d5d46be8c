using PredictionCache.Grains.Inference;

namespace PredictionCache.Grains.Prediction;

/// <summary>
/// A cached prediction: the prediction grain's persistent state. Immutable: a refresh replaces it. It keeps the
/// normalized text so a hit can compare it, and no hash collision can serve another input's result.
/// </summary>
public sealed record CacheEntry
{
    /// <summary>The model's name.</summary>
    public string Model { get; init; } = "";

    /// <summary>The normalized input.</summary>
    public string NormalizedText { get; init; } = "";

    /// <summary>The prediction.</summary>
    public PredictionResult? Result { get; init; }

    /// <summary>The job that produced it.</summary>
    public Guid JobId { get; init; }

    /// <summary>When it was stored.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it stops being fresh.</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>True when the entry answers <paramref name="normalizedText"/> at <paramref name="now"/>, no older than <paramref name="maxAge"/>.</summary>
    public bool Serves(string normalizedText, DateTimeOffset now, TimeSpan? maxAge) =>
        Result is not null
        && now < ExpiresAt
        && (maxAge is not { } limit || now - CreatedAt <= limit)
        && string.Equals(NormalizedText, normalizedText, StringComparison.Ordinal);

    /// <summary>
    /// True when the entry answers <paramref name="normalizedText"/> as a stale entry at <paramref name="now"/>: expired,
    /// but less than <paramref name="grace"/> ago and no more than <paramref name="maxStale"/> ago.
    /// </summary>
    public bool ServesStale(string normalizedText, DateTimeOffset now, TimeSpan maxStale, TimeSpan grace) =>
        Result is not null
        && now >= ExpiresAt
        && now - ExpiresAt < grace
        && now - ExpiresAt <= maxStale
        && string.Equals(NormalizedText, normalizedText, StringComparison.Ordinal);

    /// <summary>True when the entry has expired at <paramref name="now"/> (it may still be kept for grace).</summary>
    public bool IsStale(DateTimeOffset now) => now >= ExpiresAt;
}

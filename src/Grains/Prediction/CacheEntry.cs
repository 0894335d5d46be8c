using PredictionCache.Grains.Inference;

namespace PredictionCache.Grains.Prediction;

/// <summary>
/// A cached prediction: the prediction grain's persistent state. Immutable: a refresh replaces it. It keeps the
/// normalized text so a hit can compare it, and no hash collision can serve another input's result. Between grains
/// it crosses by reference (immutable), and the bytes a hit writes are made once per entry (<see cref="HitBody"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("predictioncache.entry")]
public sealed record CacheEntry
{
    // The response body of a hit, made on the first hit and kept: not serialized, not part of equality.
    [NonSerialized]
    private byte[]? _hitBody;

    /// <summary>The model's name.</summary>
    [Id(0)]
    public string Model { get; init; } = "";

    /// <summary>The normalized input.</summary>
    [Id(1)]
    public string NormalizedText { get; init; } = "";

    /// <summary>The prediction.</summary>
    [Id(2)]
    public PredictionResult? Result { get; init; }

    /// <summary>The job that produced it.</summary>
    [Id(3)]
    public Guid JobId { get; init; }

    /// <summary>When it was stored.</summary>
    [Id(4)]
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it stops being fresh.</summary>
    [Id(5)]
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The tenant whose entry it is; empty for no tenant (a global key, or a model all tenants share).</summary>
    [Id(6)]
    public string Tenant { get; init; } = "";

    /// <summary>
    /// The bytes a hit on this entry writes, made by <paramref name="render"/> the first time and kept with the entry:
    /// every later hit writes the same array. A race makes it twice at worst; either copy is the same.
    /// </summary>
    public byte[] HitBody(Func<CacheEntry, byte[]> render)
    {
        ArgumentNullException.ThrowIfNull(render);
        return _hitBody ??= render(this);
    }

    /// <inheritdoc />
    public bool Equals(CacheEntry? other) =>
        other is not null && Model == other.Model && NormalizedText == other.NormalizedText && ReferenceEquals(Result, other.Result) &&
        JobId == other.JobId && CreatedAt == other.CreatedAt && ExpiresAt == other.ExpiresAt && Tenant == other.Tenant;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Model, NormalizedText, JobId, CreatedAt, ExpiresAt, Tenant);

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

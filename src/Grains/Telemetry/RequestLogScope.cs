using System.Collections;
using System.Globalization;

namespace PredictionCache.Grains.Telemetry;

/// <summary>
/// The logging scope of one request or inference: <c>CacheKey</c> and <c>JobId</c> as structured values, so every line
/// logged inside it carries both (console with <c>IncludeScopes</c>, JSON console, OpenTelemetry logs).
/// </summary>
public sealed class RequestLogScope(string cacheKey, Guid jobId) : IReadOnlyList<KeyValuePair<string, object>>
{
    /// <summary>The cache key.</summary>
    public string CacheKey { get; } = cacheKey;

    /// <summary>The job id (empty when the request started or joined none).</summary>
    public Guid JobId { get; } = jobId;

    /// <inheritdoc />
    public int Count => 2;

    /// <inheritdoc />
    public KeyValuePair<string, object> this[int index] => index switch
    {
        0 => new KeyValuePair<string, object>(nameof(CacheKey), CacheKey),
        1 => new KeyValuePair<string, object>(nameof(JobId), JobId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"CacheKey:{CacheKey} JobId:{JobId}");
}

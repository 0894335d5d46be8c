namespace PredictionCache.Gateway.Telemetry;

/// <summary>What kind of figure an instrument gives, as exposition formats tell them apart.</summary>
internal enum MetricKind
{
    /// <summary>A monotonic sum (a counter or an observable counter).</summary>
    Counter,

    /// <summary>A value that goes up and down (gauges and up/down counters).</summary>
    Gauge,

    /// <summary>A distribution in buckets, with its sum and count.</summary>
    Histogram,
}

/// <summary>One instrument's series at one collection.</summary>
internal sealed record MetricSnapshot(string Name, string? Unit, string? Description, MetricKind Kind, IReadOnlyList<SeriesSnapshot> Series);

/// <summary>
/// One series (one set of tag values). Counters and gauges have <see cref="Value"/>; histograms have
/// <see cref="Bounds"/> (upper bounds, ascending), <see cref="BucketCounts"/> (per bucket, not cumulative, one more
/// than the bounds for +Inf), <see cref="Sum"/> and <see cref="Count"/>.
/// </summary>
internal sealed record SeriesSnapshot(
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    double Value,
    IReadOnlyList<double>? Bounds = null,
    IReadOnlyList<long>? BucketCounts = null,
    double Sum = 0,
    long Count = 0)
{
    /// <summary>The value of tag <paramref name="key"/>, or null.</summary>
    public string? Tag(string key)
    {
        foreach (var tag in Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }
}

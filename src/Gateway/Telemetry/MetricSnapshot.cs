namespace PredictionCache.Gateway.Telemetry;

/// <summary>One instrument's series at one collection, as the dashboard reads them.</summary>
internal sealed record MetricSnapshot(string Name, IReadOnlyList<SeriesSnapshot> Series);

/// <summary>
/// One series (one set of tag values). Sums and gauges have <see cref="Value"/>; histograms have <see cref="Bounds"/>
/// (upper bounds, ascending), <see cref="BucketCounts"/> (per bucket, not cumulative, one more than the bounds for
/// +Inf), <see cref="Sum"/> and <see cref="Count"/>.
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

using System.Globalization;
using System.Text;

namespace PredictionCache.Gateway.Telemetry;

/// <summary>
/// Writes snapshots in the Prometheus text exposition format 0.0.4: names with dots and other invalid characters as
/// underscores, the unit as a suffix (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>; annotations such as
/// <c>{request}</c> are dropped), counters with <c>_total</c>, histograms as cumulative <c>_bucket{le=...}</c> with
/// <c>_sum</c> and <c>_count</c>, one HELP and TYPE line per family, label values escaped.
/// </summary>
internal static class PrometheusFormatter
{
    /// <summary>The content type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Format(IEnumerable<MetricSnapshot> metrics)
    {
        var text = new StringBuilder();
        foreach (var metric in metrics)
        {
            if (metric.Series.Count == 0)
            {
                continue;
            }

            var name = FamilyName(metric);
            var type = metric.Kind switch
            {
                MetricKind.Counter => "counter",
                MetricKind.Histogram => "histogram",
                _ => "gauge",
            };
            var sample = metric.Kind == MetricKind.Counter ? name + "_total" : name;
            if (!string.IsNullOrEmpty(metric.Description))
            {
                text.Append("# HELP ").Append(sample).Append(' ').Append(EscapeHelp(metric.Description)).Append('\n');
            }

            text.Append("# TYPE ").Append(sample).Append(' ').Append(type).Append('\n');
            foreach (var series in metric.Series)
            {
                if (metric.Kind == MetricKind.Histogram)
                {
                    WriteHistogram(text, name, series);
                }
                else
                {
                    WriteSample(text, sample, series.Tags, null, series.Value);
                }
            }
        }

        return text.ToString();
    }

    /// <summary>The family name of <paramref name="metric"/>: sanitized, with its unit's suffix.</summary>
    public static string FamilyName(MetricSnapshot metric)
    {
        var name = Sanitize(metric.Name, allowColon: true);
        var suffix = metric.Unit switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            _ => null,
        };
        return suffix is null || name.EndsWith("_" + suffix, StringComparison.Ordinal) ? name : name + "_" + suffix;
    }

    private static void WriteHistogram(StringBuilder text, string name, SeriesSnapshot series)
    {
        long cumulative = 0;
        var bounds = series.Bounds ?? [];
        var counts = series.BucketCounts ?? [];
        for (var i = 0; i < bounds.Count; i++)
        {
            cumulative += counts[i];
            WriteSample(text, name + "_bucket", series.Tags, ("le", FormatNumber(bounds[i])), cumulative);
        }

        WriteSample(text, name + "_bucket", series.Tags, ("le", "+Inf"), series.Count);
        WriteSample(text, name + "_sum", series.Tags, null, series.Sum);
        WriteSample(text, name + "_count", series.Tags, null, series.Count);
    }

    private static void WriteSample(
        StringBuilder text, string name, IReadOnlyList<KeyValuePair<string, string>> tags, (string Key, string Value)? extra, double value)
    {
        text.Append(name);
        if (tags.Count > 0 || extra is not null)
        {
            text.Append('{');
            var first = true;
            foreach (var tag in tags)
            {
                AppendLabel(text, Sanitize(tag.Key, allowColon: false), tag.Value, ref first);
            }

            if (extra is { } label)
            {
                AppendLabel(text, label.Key, label.Value, ref first);
            }

            text.Append('}');
        }

        text.Append(' ').Append(FormatNumber(value)).Append('\n');
    }

    private static void AppendLabel(StringBuilder text, string key, string value, ref bool first)
    {
        if (!first)
        {
            text.Append(',');
        }

        first = false;
        text.Append(key).Append("=\"");
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append("\\\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append("\\n"),
                _ => text.Append(c),
            };
        }

        text.Append('"');
    }

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string FormatNumber(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Replaces every character outside <c>[a-zA-Z0-9_]</c> (and <c>:</c> in metric names) with <c>_</c>; a leading digit gets one too.</summary>
    private static string Sanitize(string name, bool allowColon)
    {
        var builder = new StringBuilder(name.Length + 1);
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            builder.Append('_');
        }

        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }

        return builder.ToString();
    }
}

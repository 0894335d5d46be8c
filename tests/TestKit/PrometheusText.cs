using System.Globalization;
using System.Text;

namespace PredictionCache.TestKit;

/// <summary>One sample line: its name, labels and value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>One metric family: its TYPE, HELP and samples.</summary>
public sealed record PrometheusFamily(string Name, string Type, string? Help, List<PrometheusSample> Samples);

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4, as a scraper reads it. Every line must be a
/// comment (<c># HELP</c>, <c># TYPE</c> or other), blank, or a sample
/// <c>name[{label="value",...}] value [timestamp]</c>; names and label names must match their grammar, label values
/// may escape only <c>\\</c>, <c>\"</c> and <c>\n</c>, values are Go floats (<c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>).
/// A family has at most one TYPE and one HELP, its TYPE comes before its samples, its samples are contiguous, and
/// no series appears twice. Histograms must have cumulative <c>_bucket</c>s ending at <c>le="+Inf"</c> equal to
/// <c>_count</c>, and a <c>_sum</c>. Anything else throws <see cref="FormatException"/> naming the line.
/// </summary>
public static class PrometheusText
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static IReadOnlyDictionary<string, PrometheusFamily> Parse(string text)
    {
        var families = new Dictionary<string, PrometheusFamily>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("The exposition does not end with a line feed.");
        }

        var lines = text.Split('\n');
        for (var number = 1; number < lines.Length; number++)
        {
            var line = lines[number - 1];
            try
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (line.Contains('\r', StringComparison.Ordinal))
                {
                    throw new FormatException("carriage return");
                }

                if (line[0] == '#')
                {
                    var parts = line.Split(' ', 4);
                    if (parts.Length >= 3 && parts[0] == "#" && (parts[1] == "HELP" || parts[1] == "TYPE"))
                    {
                        var name = parts[2];
                        RequireMetricName(name);
                        var family = Family(families, name);
                        if (closed.Contains(name) || family.Samples.Count > 0)
                        {
                            throw new FormatException($"{parts[1]} for '{name}' after its samples");
                        }

                        if (parts[1] == "TYPE")
                        {
                            if (parts.Length != 4 || !Types.Contains(parts[3]))
                            {
                                throw new FormatException("TYPE needs one of " + string.Join('|', Types));
                            }

                            if (family.Type != "untyped-implicit")
                            {
                                throw new FormatException($"second TYPE for '{name}'");
                            }

                            families[name] = family with { Type = parts[3] };
                        }
                        else
                        {
                            if (family.Help is not null)
                            {
                                throw new FormatException($"second HELP for '{name}'");
                            }

                            families[name] = family with { Help = UnescapeHelp(parts.Length == 4 ? parts[3] : string.Empty) };
                        }
                    }

                    continue;
                }

                var sample = ParseSample(line);
                var familyName = FamilyOf(sample.Name, families);
                if (current != familyName)
                {
                    if (current is not null)
                    {
                        closed.Add(current);
                    }

                    if (closed.Contains(familyName))
                    {
                        throw new FormatException($"samples of '{familyName}' are not contiguous");
                    }

                    current = familyName;
                }

                var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";
                if (!series.Add(key))
                {
                    throw new FormatException($"duplicate series {key}");
                }

                Family(families, familyName).Samples.Add(sample);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"Line {number} is malformed ({ex.Message}): {line}", ex);
            }
        }

        foreach (var family in families.Values.Where(f => f.Type == "histogram"))
        {
            CheckHistogram(family);
        }

        return families;
    }

    private static PrometheusFamily Family(Dictionary<string, PrometheusFamily> families, string name)
    {
        if (!families.TryGetValue(name, out var family))
        {
            family = new PrometheusFamily(name, "untyped-implicit", null, []);
            families[name] = family;
        }

        return family;
    }

    private static string FamilyOf(string sampleName, Dictionary<string, PrometheusFamily> families)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) &&
                families.TryGetValue(sampleName[..^suffix.Length], out var family) && family.Type is "histogram" or "summary")
            {
                return family.Name;
            }
        }

        return sampleName;
    }

    private static PrometheusSample ParseSample(string line)
    {
        var i = 0;
        var name = ReadName(line, ref i, metric: true);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i < line.Length && line[i] == '}')
                {
                    i++;
                    break;
                }

                var label = ReadName(line, ref i, metric: false);
                Expect(line, ref i, '=');
                Expect(line, ref i, '"');
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new FormatException("unterminated label value");
                    }

                    var c = line[i++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        if (i >= line.Length)
                        {
                            throw new FormatException("dangling escape");
                        }

                        value.Append(line[i++] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var other => throw new FormatException($"invalid escape \\{other}"),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!labels.TryAdd(label, value.ToString()))
                {
                    throw new FormatException($"label '{label}' twice");
                }

                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
                else if (i >= line.Length || line[i] != '}')
                {
                    throw new FormatException("expected ',' or '}'");
                }
            }
        }

        Expect(line, ref i, ' ');
        var rest = line[i..].Split(' ');
        if (rest.Length is < 1 or > 2 || rest.Any(r => r.Length == 0))
        {
            throw new FormatException("expected a value and an optional timestamp");
        }

        var sampleValue = ParseValue(rest[0]);
        if (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw new FormatException("invalid timestamp");
        }

        return new PrometheusSample(name, labels, sampleValue);
    }

    private static double ParseValue(string text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ when text.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-') &&
               double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) => value,
        _ => throw new FormatException($"invalid value '{text}'"),
    };

    private static string ReadName(string line, ref int i, bool metric)
    {
        var start = i;
        while (i < line.Length && (char.IsAsciiLetter(line[i]) || line[i] == '_' || (metric && line[i] == ':') || (i > start && char.IsAsciiDigit(line[i]))))
        {
            i++;
        }

        if (i == start)
        {
            throw new FormatException(metric ? "expected a metric name" : "expected a label name");
        }

        return line[start..i];
    }

    private static void RequireMetricName(string name)
    {
        var i = 0;
        if (ReadName(name, ref i, metric: true).Length != name.Length)
        {
            throw new FormatException($"invalid metric name '{name}'");
        }
    }

    private static void Expect(string line, ref int i, char c)
    {
        if (i >= line.Length || line[i] != c)
        {
            throw new FormatException($"expected '{c}' at column {i + 1}");
        }

        i++;
    }

    private static string UnescapeHelp(string help)
    {
        var text = new StringBuilder();
        for (var i = 0; i < help.Length; i++)
        {
            if (help[i] != '\\')
            {
                text.Append(help[i]);
                continue;
            }

            text.Append(++i < help.Length ? help[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                var other => throw new FormatException($"invalid HELP escape \\{other}"),
            } : throw new FormatException("dangling escape in HELP"));
        }

        return text.ToString();
    }

    private static void CheckHistogram(PrometheusFamily family)
    {
        var bySeries = family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)));
        foreach (var group in bySeries)
        {
            var buckets = group.Where(s => s.Name == family.Name + "_bucket").ToList();
            var count = group.SingleOrDefault(s => s.Name == family.Name + "_count")
                ?? throw new FormatException($"histogram {family.Name}{{{group.Key}}} has no _count");
            _ = group.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"histogram {family.Name}{{{group.Key}}} has no _sum");
            if (buckets.Count == 0 || buckets.Any(b => !b.Labels.ContainsKey("le")))
            {
                throw new FormatException($"histogram {family.Name}{{{group.Key}}} has a bucket without le");
            }

            var bounds = buckets.Select(b => ParseValue(b.Labels["le"])).ToList();
            for (var i = 1; i < buckets.Count; i++)
            {
                if (bounds[i] <= bounds[i - 1] || buckets[i].Value < buckets[i - 1].Value)
                {
                    throw new FormatException($"histogram {family.Name}{{{group.Key}}} buckets are not ascending and cumulative");
                }
            }

            if (!double.IsPositiveInfinity(bounds[^1]) || buckets[^1].Value != count.Value)
            {
                throw new FormatException($"histogram {family.Name}{{{group.Key}}} does not end at le=\"+Inf\" equal to _count");
            }
        }
    }
}

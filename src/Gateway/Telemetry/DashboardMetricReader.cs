using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace PredictionCache.Gateway.Telemetry;

/// <summary>
/// The dashboard's reader of the host's OpenTelemetry <see cref="MeterProvider"/>, beside the Prometheus exporter's:
/// the same instruments, views and aggregation, collected when the dashboard asks (<see cref="Read"/>), cumulative.
/// </summary>
internal sealed class DashboardMetricReader : BaseExportingMetricReader
{
    private readonly SnapshotExporter _exporter;
    private readonly Lock _readLock = new();

    public DashboardMetricReader()
        : this(new SnapshotExporter())
    {
    }

    private DashboardMetricReader(SnapshotExporter exporter)
        : base(exporter)
    {
        _exporter = exporter;
        TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
    }

    /// <summary>Collects now (observable instruments are observed) and returns every instrument's series by name.</summary>
    public IReadOnlyDictionary<string, MetricSnapshot> Read()
    {
        lock (_readLock)
        {
            return Collect() ? _exporter.Last : new Dictionary<string, MetricSnapshot>();
        }
    }

    /// <summary>Copies each collection's metric points out of the SDK's reused buffers.</summary>
    private sealed class SnapshotExporter : BaseExporter<Metric>
    {
        public Dictionary<string, MetricSnapshot> Last { get; private set; } = new(StringComparer.Ordinal);

        public override ExportResult Export(in Batch<Metric> batch)
        {
            var metrics = new Dictionary<string, MetricSnapshot>(StringComparer.Ordinal);
            foreach (var metric in batch)
            {
                var series = new List<SeriesSnapshot>();
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    var tags = new List<KeyValuePair<string, string>>(point.Tags.Count);
                    foreach (var tag in point.Tags)
                    {
                        tags.Add(new(tag.Key, Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty));
                    }

                    series.Add(metric.MetricType switch
                    {
                        MetricType.Histogram => Histogram(tags, point),
                        MetricType.LongSum or MetricType.LongSumNonMonotonic => new SeriesSnapshot(tags, point.GetSumLong()),
                        MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => new SeriesSnapshot(tags, point.GetSumDouble()),
                        MetricType.LongGauge => new SeriesSnapshot(tags, point.GetGaugeLastValueLong()),
                        MetricType.DoubleGauge => new SeriesSnapshot(tags, point.GetGaugeLastValueDouble()),
                        _ => new SeriesSnapshot(tags, double.NaN),
                    });
                }

                metrics[metric.Name] = new MetricSnapshot(metric.Name, series);
            }

            Last = metrics;
            return ExportResult.Success;
        }

        private static SeriesSnapshot Histogram(List<KeyValuePair<string, string>> tags, in MetricPoint point)
        {
            var bounds = new List<double>();
            var counts = new List<long>();
            foreach (var bucket in point.GetHistogramBuckets())
            {
                if (!double.IsPositiveInfinity(bucket.ExplicitBound))
                {
                    bounds.Add(bucket.ExplicitBound);
                }

                counts.Add(bucket.BucketCount);
            }

            return new SeriesSnapshot(tags, 0, bounds, counts, point.GetHistogramSum(), point.GetHistogramCount());
        }
    }
}

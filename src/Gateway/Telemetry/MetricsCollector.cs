using System.Diagnostics.Metrics;
using System.Globalization;
using PredictionCache.Grains.Telemetry;

namespace PredictionCache.Gateway.Telemetry;

/// <summary>
/// Aggregates this host's instruments in process, for <c>/metrics</c> and the dashboard: a <see cref="MeterListener"/>
/// over the meters of <see cref="MeterNames"/> and Orleans' activations per grain type (<see cref="OrleansActivations"/>),
/// created by this host's <see cref="IMeterFactory"/> (so two hosts in one process never mix). Counters and up/down counters are summed, observable instruments keep their last
/// observation (taken at <see cref="Collect"/>), histograms are counted in buckets (the instrument's advised bounds,
/// or OpenTelemetry's defaults).
/// </summary>
internal sealed class MetricsCollector : IHostedService, IDisposable
{
    /// <summary>The meters collected.</summary>
    public static readonly IReadOnlyList<string> MeterNames = [CacheMetrics.MeterName, "PredictionCache.Silo", "Microsoft.AspNetCore.Hosting"];

    /// <summary>Orleans' meter, created by the host's <see cref="IMeterFactory"/> like ours (so it is per host too).</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>
    /// The activations per grain type (tag <c>grain_type</c>, system targets included), an observable gauge: the one
    /// instrument collected from <see cref="OrleansMeterName"/>. The others (about a hundred, some recorded per
    /// message) are left to an OTLP collector.
    /// </summary>
    public const string OrleansActivations = "orleans-catalog-activations";

    private static readonly double[] DefaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly MeterListener _listener;
    private readonly IMeterFactory _meterFactory;
    private readonly Lock _collectLock = new();
    private readonly Lock _instrumentsLock = new();
    private readonly List<InstrumentAggregate> _instruments = [];

    public MetricsCollector(IMeterFactory meterFactory)
    {
        _meterFactory = meterFactory;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, _meterFactory) &&
                    (MeterNames.Contains(instrument.Meter.Name) || (instrument.Meter.Name == OrleansMeterName && instrument.Name == OrleansActivations)))
                {
                    var aggregate = new InstrumentAggregate(instrument, BoundsOf(instrument));
                    lock (_instrumentsLock)
                    {
                        _instruments.Add(aggregate);
                    }

                    listener.EnableMeasurementEvents(instrument, aggregate);
                }
            },
            MeasurementsCompleted = (instrument, state) =>
            {
                lock (_instrumentsLock)
                {
                    _instruments.Remove((InstrumentAggregate)state!);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentAggregate)state!).Record(value, tags));
    }

    /// <summary>Observes the observable instruments and returns every instrument's series.</summary>
    public IReadOnlyList<MetricSnapshot> Collect()
    {
        lock (_collectLock)
        {
            InstrumentAggregate[] instruments;
            lock (_instrumentsLock)
            {
                instruments = [.. _instruments];
            }

            foreach (var instrument in instruments)
            {
                instrument.BeginObservation();
            }

            _listener.RecordObservableInstruments();
            return [.. instruments.Select(i => i.Snapshot()).OrderBy(m => m.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>Nothing to start: registered as a hosted service only so it is created, and listens, before the silo starts.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Instruments created before this (the meters of singletons built earlier) are published to the listener now.
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();

    private static double[]? BoundsOf(Instrument instrument) => instrument switch
    {
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray() ?? DefaultBounds,
        Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBounds,
        Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBounds,
        _ => null,
    };

    /// <summary>One instrument's series by tag set.</summary>
    private sealed class InstrumentAggregate(Instrument instrument, double[]? bounds)
    {
        private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
        private readonly bool _observable = instrument.IsObservable;
        private readonly MetricKind _kind = instrument switch
        {
            _ when bounds is not null => MetricKind.Histogram,
            Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> => MetricKind.Counter,
            _ => MetricKind.Gauge,
        };

        public void BeginObservation()
        {
            if (_observable)
            {
                lock (_series)
                {
                    // An observation replaces the last one; a series no longer observed disappears.
                    _series.Clear();
                }
            }
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_series)
            {
                // Instruments pass their tags in a fixed order and reuse boxed values, so a scan of the few series
                // finds the series without building a key (a sampled hit records here: no allocation).
                var series = Find(tags);
                if (series is null)
                {
                    var key = KeyOf(tags, out var tagList);
                    if (!_series.TryGetValue(key, out series))
                    {
                        series = new Series(tagList, bounds is null ? null : new long[bounds.Length + 1]);
                        _series.Add(key, series);
                    }

                    series.Raw = tags.ToArray();
                }

                if (series.Buckets is { } buckets)
                {
                    var index = Array.BinarySearch(bounds!, value);
                    buckets[index >= 0 ? index : ~index]++;
                    series.Sum += value;
                    series.Count++;
                }
                else if (_observable)
                {
                    series.Value = value;
                }
                else
                {
                    series.Value += value;
                }
            }
        }

        private Series? Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var series in _series.Values)
            {
                var raw = series.Raw;
                if (raw is null || raw.Length != tags.Length)
                {
                    continue;
                }

                var same = true;
                for (var i = 0; i < raw.Length && same; i++)
                {
                    same = string.Equals(raw[i].Key, tags[i].Key, StringComparison.Ordinal) && Equals(raw[i].Value, tags[i].Value);
                }

                if (same)
                {
                    return series;
                }
            }

            return null;
        }

        public MetricSnapshot Snapshot()
        {
            lock (_series)
            {
                var series = _series.Values
                    .Select(s => new SeriesSnapshot(s.Tags, s.Value, bounds, s.Buckets?.ToArray(), s.Sum, s.Count))
                    .ToArray();
                return new MetricSnapshot(instrument.Name, instrument.Unit, instrument.Description, _kind, series);
            }
        }

        private static string KeyOf(ReadOnlySpan<KeyValuePair<string, object?>> tags, out KeyValuePair<string, string>[] tagList)
        {
            tagList = new KeyValuePair<string, string>[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                tagList[i] = new KeyValuePair<string, string>(tags[i].Key, Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? string.Empty);
            }

            Array.Sort(tagList, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return string.Join('\u0001', tagList.Select(t => t.Key + '\u0002' + t.Value));
        }

        private sealed class Series(KeyValuePair<string, string>[] tags, long[]? buckets)
        {
            public KeyValuePair<string, string>[] Tags { get; } = tags;

            public long[]? Buckets { get; } = buckets;

            /// <summary>The tags as last recorded, for the allocation-free lookup.</summary>
            public KeyValuePair<string, object?>[]? Raw { get; set; }

            public double Value { get; set; }

            public double Sum { get; set; }

            public long Count { get; set; }
        }
    }
}

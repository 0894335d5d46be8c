using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using PredictionCache.TestKit;
using Prometheus;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// The two kept Prometheus exporters side by side, each in a Kestrel app of its own on loopback, one after the other:
/// OpenTelemetry's (<c>AddPrometheusExporter</c> + <c>MapPrometheusScrapingEndpoint</c>, response cache off) and
/// prometheus-net's meter adapter (<c>MapMetrics</c> over a registry of its own), and for reference prometheus-net's own
/// metrics with no Meter (its exposition writer alone). For each shape (a counter with <c>series</c> tag values, a
/// histogram with as many, 15 buckets each) it records one measurement per series, then times <c>scrapes</c>
/// sequential GETs of <c>/metrics</c> after warm-up scrapes (at least 3; up to 10 s until every series shows; an
/// exporter that shows none is reported, not timed): mean and max ms, bytes allocated in
/// the process per scrape, the response size. Each exposition is read by the tests' strict parser
/// (<see cref="PrometheusText"/>), which must find every series. It also times one <c>Add</c> on an existing series
/// while only that exporter listens: the cost on the request path.
/// </summary>
internal static partial class ScrapeScenario
{
    private const string MeterName = "PredictionCache.Bench.Scrape";
    private static readonly double[] Bounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public static async Task RunAsync(string[] args)
    {
        var series = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var scrapes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
        Machine.PrintHeader($"scrape: /metrics cost at {series:N0} series, OpenTelemetry's Prometheus exporter vs prometheus-net's meter adapter");
        Console.WriteLine($"{"exporter",-16} {"shape",-10} {"ms/scrape",10} {"max ms",8} {"KiB alloc",10} {"KiB body",9} {"families",8} {"samples",8}  {"ns/Add",7}");
        foreach (var shape in new[] { "counter", "histogram" })
        {
            foreach (var exporter in new[] { "opentelemetry", "prometheus-net", "prometheus-net-native" })
            {
                await MeasureAsync(exporter, shape, series, scrapes);
            }
        }
    }

    private static async Task MeasureAsync(string exporter, string shape, int series, int scrapes)
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        IDisposable? adapter = null;
        CollectorRegistry? registry = null;
        if (exporter == "opentelemetry")
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(MeterName)
                .AddView(instrument => instrument.Meter.Name != MeterName ? null
                    : instrument is Histogram<double>
                        ? new ExplicitBucketHistogramConfiguration { Boundaries = Bounds, CardinalityLimit = series + 10 }
                        : new MetricStreamConfiguration { CardinalityLimit = series + 10 })
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        }
        else
        {
            registry = Metrics.NewCustomRegistry();
            adapter = exporter == "prometheus-net-native" ? null : MeterAdapter.StartListening(new MeterAdapterOptions
            {
                InstrumentFilterPredicate = instrument => instrument.Meter.Name == MeterName,
                Registry = registry,
                ResolveHistogramBuckets = _ => Bounds,
            });
        }

        using var listening = adapter;
        await using var app = builder.Build();
        if (registry is null)
        {
            app.MapPrometheusScrapingEndpoint();
        }
        else
        {
            app.MapMetrics("/metrics", registry);
        }

        await app.StartAsync();
        using var meter = new Meter(MeterName);
        var counter = meter.CreateCounter<long>("bench.requests", "{request}", "Requests.");
        var histogram = meter.CreateHistogram<double>("bench.duration", "s", "Durations.");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        // One measurement per series, then the cost of one more on an existing series. "prometheus-net-native" records
        // through prometheus-net's own metrics instead of a Meter: its exposition writer's cost, for reference.
        var tags = Enumerable.Range(0, series).Select(i => new KeyValuePair<string, object?>("series", i.ToString(CultureInfo.InvariantCulture))).ToArray();
        Action<int> record = registry is not null && adapter is null
            ? NativeRecorder(registry, shape, tags)
            : i => Record(shape, counter, histogram, tags[i]);
        for (var i = 0; i < series; i++)
        {
            record(i);
        }

        const int adds = 2_000_000;
        var addClock = Stopwatch.StartNew();
        for (var i = 0; i < adds; i++)
        {
            record((i & 1023) % series);
        }

        var nsPerAdd = addClock.Elapsed.TotalNanoseconds / adds;

        // Warm-up scrapes; an exporter may apply measurements behind the callback, so until every series shows (≤ 10 s).
        string body = string.Empty;
        var warmup = Stopwatch.StartNew();
        for (var i = 0; i < 3 || (CountSeries(body) < series && warmup.Elapsed < TimeSpan.FromSeconds(10)); i++)
        {
            body = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        }

        var exposed = CountSeries(body);
        Console.WriteLine($"    {exporter}: {exposed:N0} of {series:N0} series exposed after {warmup.Elapsed.TotalMilliseconds:N0} ms of warm-up scrapes");
        if (exposed == 0)
        {
            Console.WriteLine($"{exporter,-16} {shape,-10} exposed none of the {series:N0} series after {warmup.Elapsed.TotalSeconds:0} s: not timed");
            return;
        }

        var parsed = PrometheusText.Parse(body);
        // prometheus-net names a family after its meter and instrument; OpenTelemetry after the instrument.
        var family = parsed.Values.SingleOrDefault(f => f.Name.Contains("bench_", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{exporter} exposed no bench_ family: {body[..Math.Min(body.Length, 2000)]}");
        var found = family.Samples.Select(s => s.Labels.GetValueOrDefault("series")).Where(s => s is not null).Distinct().Count();
        if (found != series)
        {
            throw new InvalidOperationException($"{exporter} exposed {found:N0} of {series:N0} series of {family.Name}.");
        }

        var times = new double[scrapes];
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < scrapes; i++)
        {
            var clock = Stopwatch.StartNew();
            body = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            times[i] = clock.Elapsed.TotalMilliseconds;
        }

        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        Console.WriteLine(
            $"{exporter,-16} {shape,-10} {times.Average(),10:0.00} {times.Max(),8:0.00} {allocated / 1024.0 / scrapes,10:N0} {body.Length / 1024.0,9:N0} " +
            $"{parsed.Count,8:N0} {parsed.Values.Sum(f => f.Samples.Count),8:N0}  {nsPerAdd,7:0.0}");
        Console.WriteLine($"    {family.Name} ({family.Type}): {string.Join(" | ", body.Split('\n').Where(l => l.Contains("series=\"1\"", StringComparison.Ordinal)).Take(3))}");
    }

    private static int CountSeries(string body) => SeriesLabel().Matches(body).Select(m => m.Groups[1].Value).Distinct().Count();

    [GeneratedRegex("series=\"([0-9]+)\"")]
    private static partial Regex SeriesLabel();

    private static Action<int> NativeRecorder(CollectorRegistry registry, string shape, KeyValuePair<string, object?>[] tags)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        if (shape == "counter")
        {
            var counter = factory.CreateCounter("bench_requests_total", "Requests.", "series");
            var children = tags.Select(t => counter.WithLabels((string)t.Value!)).ToArray();
            return i => children[i].Inc();
        }

        var histogram = factory.CreateHistogram("bench_duration_seconds", "Durations.", ["series"], new Prometheus.HistogramConfiguration { Buckets = Bounds });
        var series = tags.Select(t => histogram.WithLabels((string)t.Value!)).ToArray();
        return i => series[i].Observe(0.003);
    }

    private static void Record(string shape, Counter<long> counter, Histogram<double> histogram, KeyValuePair<string, object?> tag)
    {
        if (shape == "counter")
        {
            counter.Add(1, tag);
        }
        else
        {
            histogram.Record(0.003, tag);
        }
    }
}

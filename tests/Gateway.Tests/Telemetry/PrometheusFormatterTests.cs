using PredictionCache.Gateway.Telemetry;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests.Telemetry;

public sealed class PrometheusFormatterTests
{
    [Fact]
    public void Format_EscapesLabelsAndNamesCountersAndHistograms()
    {
        var metrics = new[]
        {
            new MetricSnapshot("my.requests", "{request}", "Requests \\ seen\nhere.", MetricKind.Counter,
                [new SeriesSnapshot([new("path.name", "a\"b\\c\nd")], 3)]),
            new MetricSnapshot("my.latency", "s", null, MetricKind.Histogram,
                [new SeriesSnapshot([], 0, [0.5, 1], [2, 1, 1], Sum: 2.5, Count: 4)]),
        };

        var text = PrometheusFormatter.Format(metrics);
        var parsed = PrometheusText.Parse(text);

        Assert.Equal(
            "# HELP my_requests_total Requests \\\\ seen\\nhere.\n" +
            "# TYPE my_requests_total counter\n" +
            "my_requests_total{path_name=\"a\\\"b\\\\c\\nd\"} 3\n" +
            "# TYPE my_latency_seconds histogram\n" +
            "my_latency_seconds_bucket{le=\"0.5\"} 2\n" +
            "my_latency_seconds_bucket{le=\"1\"} 3\n" +
            "my_latency_seconds_bucket{le=\"+Inf\"} 4\n" +
            "my_latency_seconds_sum 2.5\n" +
            "my_latency_seconds_count 4\n",
            text);
        Assert.Equal("a\"b\\c\nd", Assert.Single(parsed["my_requests_total"].Samples).Labels["path_name"]);
        Assert.Equal("Requests \\ seen\nhere.", parsed["my_requests_total"].Help);
    }
}

using System.Net;
using System.Net.Sockets;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests.Telemetry;

/// <summary>OTLP export: with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, metrics are POSTed to a receiver's <c>/v1/metrics</c>.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task OtlpEndpointSet_MetricsArriveAsProtobufPost()
    {
        // Arrange: a loopback receiver that answers 200 to every POST and reports the first one to /v1/metrics.
        var port = FreePort();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{port}/");
        receiver.Start();
        var metricsPost = ReceiveAsync(receiver, "/v1/metrics");

        // Act
        await using var factory = new GatewayFactory(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        });
        using var client = factory.CreateClient();
        (await client.GetAsync("/health")).Dispose();
        var (method, contentType, length) = await metricsPost.WaitAsync(GatewayHttp.HangGuard);

        // Assert
        Assert.Equal("POST", method);
        Assert.Equal("application/x-protobuf", contentType);
        Assert.True(length > 0, "The OTLP metrics request had an empty body.");
    }

    private static async Task<(string Method, string? ContentType, long Length)> ReceiveAsync(HttpListener receiver, string path)
    {
        while (true)
        {
            var context = await receiver.GetContextAsync();
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var request = (context.Request.HttpMethod, context.Request.ContentType, body.Length, context.Request.Url!.AbsolutePath);
            context.Response.StatusCode = 200;
            context.Response.Close();
            if (request.AbsolutePath == path)
            {
                return (request.HttpMethod, request.ContentType, request.Length);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests;

/// <summary>End to end: the real gateway process over real HTTP (Kestrel, loopback). Each test starts its own.</summary>
public sealed class GatewayProcessTests : IAsyncLifetime
{
    private GatewayProcess? _gateway;

    private HttpClient Client => _gateway!.Client;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync(
        "--Cache:DirectoryShards=1",
        "--Gateway:MaxTextBytes=100",
        "--Gateway:MaxRequestBytes=2048");

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task Process_SameTextTwice_MissThenPollThenHit()
    {
        using var miss = await Client.PredictAsync("End to end, really");
        Assert.Equal(HttpStatusCode.Accepted, miss.StatusCode);
        Assert.Equal("MISS", miss.Header("X-Cache"));
        var key = miss.Header("X-Cache-Key");
        var jobId = (await miss.ReadJsonAsync()).GetProperty("job_id").GetGuid();
        Assert.Equal($"/jobs/{jobId}", miss.Headers.Location?.OriginalString);

        var job = await PollUntilFinishedAsync(miss.Headers.Location!);
        using var hit = await Client.PredictAsync("  end to END, really ");

        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal("HIT", hit.Header("X-Cache"));
        Assert.Equal(key, hit.Header("X-Cache-Key"));
        Assert.True(int.Parse(hit.Header("Age"), System.Globalization.CultureInfo.InvariantCulture) >= 0);
        var body = await hit.ReadJsonAsync();
        Assert.Equal(jobId, body.GetProperty("job_id").GetGuid());
        Assert.True(body.GetProperty("cached").GetBoolean());
        GatewayHttp.AssertBuiltinResult(body.GetProperty("result"));
        Assert.Equal(job.GetProperty("result").GetRawText(), body.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task Process_StatsThenClear_CountsAndResets()
    {
        using (var miss = await Client.PredictAsync("count me"))
        {
            await PollUntilFinishedAsync(miss.Headers.Location!);
        }

        (await Client.PredictAsync("count me")).Dispose();
        var stats = await Client.GetStatsAsync();

        using var clear = await Client.DeleteAsync(new Uri("/cache", UriKind.Relative));
        var cleared = await clear.ReadJsonAsync();
        using var again = await Client.PredictAsync("count me");

        Assert.Equal(1, stats.GetProperty("size").GetInt64());
        Assert.Equal(1, stats.GetProperty("hits").GetInt64());
        Assert.Equal(1, stats.GetProperty("misses").GetInt64());
        Assert.Equal(0.5, stats.GetProperty("hit_ratio").GetDouble());
        Assert.Equal(1, stats.GetProperty("inferences").GetInt64());
        Assert.Equal(HttpStatusCode.OK, clear.StatusCode);
        Assert.Equal(0, cleared.GetProperty("stats").GetProperty("size").GetInt64());
        Assert.Equal(0, cleared.GetProperty("stats").GetProperty("hits").GetInt64());
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("MISS", again.Header("X-Cache"));
    }

    [Fact]
    public async Task Process_HealthAndOpenApi_Answer()
    {
        using var ready = await Client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        using var openApi = await Client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        using var swagger = await Client.GetAsync(new Uri("/swagger/index.html", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True((await openApi.ReadJsonAsync()).GetProperty("paths").TryGetProperty("/predict", out _));
        Assert.Equal(HttpStatusCode.OK, swagger.StatusCode);
    }

    [Fact]
    public async Task Process_ChunkedBodyOverMaxRequestBytes_Is413Problem()
    {
        var body = Encoding.UTF8.GetBytes("{\"text\": \"hi\", \"pad\": \"" + new string('x', 3000) + "\"}");
        using var content = new StreamContent(new NonSeekableStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await Client.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, (await Client.GetStatsAsync()).GetProperty("misses").GetInt64());
    }

    [Fact]
    public async Task Process_ChunkedBodyWithinLimits_IsAccepted()
    {
        using var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes("{\"text\": \"chunked hello\"}")));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Process_MalformedChunkedEncoding_Is400Problem()
    {
        // Kestrel fails the body read with a BadHttpRequestException; the gateway answers it as a problem.
        var response = await SendRawAsync(
            "POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n" +
            "Connection: close\r\n\r\nZZ\r\n{\"text\": \"x\"}\r\n0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/problem+json", response, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"detail\":", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_TextOverMaxTextBytes_Is413Problem()
    {
        using var response = await Client.PredictAsync(new string('\u00e9', 51));

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Process_InvalidUtf8Body_Is400Problem()
    {
        using var content = new ByteArrayContent([.. Encoding.UTF8.GetBytes("{\"text\": \"a"), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes("\"}")]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await Client.PostAsync(new Uri("/predict", UriKind.Relative), content);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Process_RequestKestrelRejects_Is4xxNot5xx()
    {
        // A NUL in the path is refused by Kestrel before any middleware runs: a bare 400, not problem+json.
        var response = await SendRawAsync("GET /jobs/%00 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_BodyOverKestrelDefaultLimitWithinMaxRequestBytes_IsAccepted()
    {
        await using var roomy = await GatewayProcess.StartAsync("--Gateway:MaxTextBytes=100", "--Gateway:MaxRequestBytes=31000000");
        var body = Encoding.UTF8.GetBytes("{\"text\": \"big body\", \"pad\": \"" + new string('x', 30_500_000) + "\"}");
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await roomy.Client.PostAsync(new Uri("/predict", UriKind.Relative), content);

        Assert.True(body.Length > 30_000_000);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>Sends bytes HttpClient would refuse to send; returns the whole response (the request asks to close).</summary>
    private async Task<string> SendRawAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_gateway!.Address.Host, _gateway.Address.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync().WaitAsync(GatewayHttp.HangGuard);
    }

    private async Task<JsonElement> PollUntilFinishedAsync(Uri location)
    {
        // A real process on a real SQLite file: the job finishes after its commits reach the disk, which takes as long
        // as the machine makes it. The deadline only keeps a broken gateway from looping forever; the pause between
        // polls leaves the two cores to the gateway instead of spinning on GET.
        using var deadline = new CancellationTokenSource(GatewayHttp.HangGuard);
        while (true)
        {
            using var response = await Client.GetAsync(location, deadline.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var job = await response.ReadJsonAsync();
            if (job.GetProperty("status").GetString() != "processing")
            {
                return job;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new InvalidOperationException($"Job {location} still processing after {GatewayHttp.HangGuard}.\n{_gateway!.Output}");
            }
        }
    }

    /// <summary>A stream without a length, so HttpClient has to send the body chunked.</summary>
    private sealed class NonSeekableStream(byte[] body) : MemoryStream(body)
    {
        public override bool CanSeek => false;
    }
}

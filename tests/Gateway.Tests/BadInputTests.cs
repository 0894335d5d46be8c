using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.Grains.Jobs;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests;

/// <summary>
/// Every kind of bad input to <c>POST /predict</c> (and bad routes) gets a clear 4xx problem+json, never a 5xx,
/// and creates no job.
/// </summary>
public sealed class BadInputTests
{
    private const string Json = "application/json";

    private static readonly Dictionary<string, (byte[] Body, string? ContentType, HttpStatusCode Status)> Bodies = new()
    {
        ["malformed JSON"] = (Utf8("{\"text\": \"hello\""), Json, HttpStatusCode.BadRequest),
        ["trailing garbage"] = (Utf8("{\"text\": \"hello\"} x"), Json, HttpStatusCode.BadRequest),
        ["single quotes"] = (Utf8("{'text': 'hello'}"), Json, HttpStatusCode.BadRequest),
        ["empty body"] = ([], Json, HttpStatusCode.BadRequest),
        ["whitespace body"] = (Utf8("  \r\n "), Json, HttpStatusCode.BadRequest),
        ["array root"] = (Utf8("[{\"text\": \"hello\"}]"), Json, HttpStatusCode.BadRequest),
        ["number root"] = (Utf8("42"), Json, HttpStatusCode.BadRequest),
        ["string root"] = (Utf8("\"hello\""), Json, HttpStatusCode.BadRequest),
        ["null root"] = (Utf8("null"), Json, HttpStatusCode.BadRequest),
        ["missing text"] = (Utf8("{\"model\": \"sentiment\"}"), Json, HttpStatusCode.BadRequest),
        ["empty object"] = (Utf8("{}"), Json, HttpStatusCode.BadRequest),
        ["text with other case"] = (Utf8("{\"Text\": \"hello\"}"), Json, HttpStatusCode.BadRequest),
        ["text null"] = (Utf8("{\"text\": null}"), Json, HttpStatusCode.BadRequest),
        ["text number"] = (Utf8("{\"text\": 12}"), Json, HttpStatusCode.BadRequest),
        ["text array"] = (Utf8("{\"text\": [\"hello\"]}"), Json, HttpStatusCode.BadRequest),
        ["text object"] = (Utf8("{\"text\": {\"value\": \"hello\"}}"), Json, HttpStatusCode.BadRequest),
        ["text true"] = (Utf8("{\"text\": true}"), Json, HttpStatusCode.BadRequest),
        ["text false"] = (Utf8("{\"text\": false}"), Json, HttpStatusCode.BadRequest),
        ["text empty"] = (Utf8("{\"text\": \"\"}"), Json, HttpStatusCode.BadRequest),
        ["text blank"] = (Utf8("{\"text\": \"   \"}"), Json, HttpStatusCode.BadRequest),
        ["text newlines and tabs"] = (Utf8("{\"text\": \"\\n\\t\\r\\n \\t\"}"), Json, HttpStatusCode.BadRequest),
        ["text unicode spaces"] = (Utf8("{\"text\": \"\\u00a0\\u2003\\u3000\\u2028\"}"), Json, HttpStatusCode.BadRequest),
        ["model number"] = (Utf8("{\"text\": \"hello\", \"model\": 7}"), Json, HttpStatusCode.BadRequest),
        ["model object"] = (Utf8("{\"text\": \"hello\", \"model\": {}}"), Json, HttpStatusCode.BadRequest),
        ["model blank"] = (Utf8("{\"text\": \"hello\", \"model\": \" \"}"), Json, HttpStatusCode.BadRequest),
        ["invalid UTF-8 in text"] = ([.. Utf8("{\"text\": \"ab"), 0xFF, 0xFE, .. Utf8("cd\"}")], Json, HttpStatusCode.BadRequest),
        ["overlong UTF-8"] = ([.. Utf8("{\"text\": \""), 0xC0, 0xAF, .. Utf8("\"}")], Json, HttpStatusCode.BadRequest),
        ["UTF-8 surrogate bytes"] = ([.. Utf8("{\"text\": \""), 0xED, 0xA0, 0x80, .. Utf8("\"}")], Json, HttpStatusCode.BadRequest),
        ["truncated UTF-8"] = ([.. Utf8("{\"text\": \"caf"), 0xC3], Json, HttpStatusCode.BadRequest),
        ["lone high surrogate escape"] = (Utf8("{\"text\": \"a\\ud800b\"}"), Json, HttpStatusCode.BadRequest),
        ["lone low surrogate escape"] = (Utf8("{\"text\": \"\\udc00\"}"), Json, HttpStatusCode.BadRequest),
        ["reversed surrogate escapes"] = (Utf8("{\"text\": \"\\udc00\\ud800\"}"), Json, HttpStatusCode.BadRequest),
        ["lone surrogate in model"] = (Utf8("{\"text\": \"hello\", \"model\": \"\\ud800\"}"), Json, HttpStatusCode.BadRequest),
        ["bad escape"] = (Utf8("{\"text\": \"\\x41\"}"), Json, HttpStatusCode.BadRequest),
        ["raw control character"] = (Utf8("{\"text\": \"a\u0001b\"}"), Json, HttpStatusCode.BadRequest),
        ["deep nesting"] = (Utf8("{\"text\": \"hello\", \"extra\": " + new string('[', 1000) + new string(']', 1000) + "}"), Json, HttpStatusCode.BadRequest),
        ["comments"] = (Utf8("{\"text\": \"hello\" /* hi */}"), Json, HttpStatusCode.BadRequest),
        ["text/plain"] = (Utf8("{\"text\": \"hello\"}"), "text/plain", HttpStatusCode.UnsupportedMediaType),
        ["form"] = (Utf8("text=hello"), "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType),
        ["xml"] = (Utf8("<text>hello</text>"), "application/xml", HttpStatusCode.UnsupportedMediaType),
        ["no content type"] = (Utf8("{\"text\": \"hello\"}"), null, HttpStatusCode.UnsupportedMediaType),
    };

    public static TheoryData<string> BodyCases => [.. Bodies.Keys];

    [Theory]
    [MemberData(nameof(BodyCases))]
    public async Task Predict_BadBody_IsClear4xxProblemAndCreatesNoJob(string name)
    {
        var (body, contentType, status) = Bodies[name];
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        using var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        using var response = await client.PostAsync(new Uri("/predict", UriKind.Relative), content);

        await response.AssertProblemAsync(status);
        await AssertNothingStartedAsync(factory, client, backend);
    }

    [Fact]
    public async Task Predict_TextOverMaxTextBytes_Is413()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Gateway:MaxTextBytes"] = "100" }, backends: backend);
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync(new string('a', 101));

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("101", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingStartedAsync(factory, client, backend);
    }

    [Fact]
    public async Task Predict_TextAtMaxTextBytes_IsAccepted()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Gateway:MaxTextBytes"] = "100" }, backends: backend);
        using var client = factory.CreateClient();

        using var ascii = await client.PredictAsync(new string('a', 100));
        using var multiByte = await client.PredictAsync(new string('\u00e9', 50));

        Assert.Equal(HttpStatusCode.Accepted, ascii.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, multiByte.StatusCode);
    }

    [Theory]
    [InlineData("\u00e9", 51)] // 2 bytes each: 102 bytes in 51 chars
    [InlineData("\u20ac", 34)] // 3 bytes each: 102 bytes in 34 chars
    [InlineData("\U0001F600", 26)] // 4 bytes each: 104 bytes in 52 UTF-16 chars
    public async Task Predict_MultiByteTextOverMaxTextBytes_CountsBytesNotChars(string character, int count)
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Gateway:MaxTextBytes"] = "100" }, backends: backend);
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync(string.Concat(Enumerable.Repeat(character, count)));

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        await AssertNothingStartedAsync(factory, client, backend);
    }

    [Fact]
    public async Task Predict_BodyOverMaxRequestBytes_Is413()
    {
        var backend = GatewayFakes.Model(open: true);
        var settings = new Dictionary<string, string?> { ["Gateway:MaxTextBytes"] = "100", ["Gateway:MaxRequestBytes"] = "2048" };
        await using var factory = new GatewayFactory(settings, backends: backend);
        using var client = factory.CreateClient();
        using var content = new ByteArrayContent(Utf8("{\"text\": \"hello\", \"padding\": \"" + new string('x', 4096) + "\"}"));
        content.Headers.ContentType = new MediaTypeHeaderValue(Json);

        using var response = await client.PostAsync(new Uri("/predict", UriKind.Relative), content);

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        await AssertNothingStartedAsync(factory, client, backend);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("APPLICATION/JSON")]
    [InlineData("application/problem+json")]
    public async Task Predict_JsonContentTypeVariants_AreAccepted(string contentType)
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        using var content = new ByteArrayContent(Utf8("{\"text\": \"hello\", \"unknown\": [1, 2, {\"a\": null}]}"));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await client.PostAsync(new Uri("/predict", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("/predict", """{"text": "a good", "text": "a bad"}""", "text")]
    [InlineData("/predict", """{"text": "a good", "model": "sentiment", "model": "other"}""", "model")]
    [InlineData("/predict", """{"text": "a good", "te\u0078t": "a bad"}""", "text")]
    [InlineData("/predict", """{"text": "a good", "extra": {"flag": 1, "flag": 2}}""", "flag")]
    [InlineData("/predict/batch", """{"items": [{"text": "a good"}, {"text": "a good", "text": "a bad"}]}""", "text")]
    [InlineData("/predict/batch", """{"items": [{"text": "a good"}], "items": [{"text": "a bad"}]}""", "items")]
    public async Task Post_DuplicateProperty_Is400NamingItAndCreatesNoJob(string path, string json, string property)
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        using var content = new ByteArrayContent(Utf8(json));
        content.Headers.ContentType = new MediaTypeHeaderValue(Json);

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains($"'{property}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingStartedAsync(factory, client, backend);
    }

    [Fact]
    public async Task Predict_SameNameInDifferentObjects_IsAccepted()
    {
        await using var factory = new GatewayFactory(backends: GatewayFakes.Model(open: true));
        using var client = factory.CreateClient();
        using var content = new ByteArrayContent(Utf8("""{"text": "a good", "extra": {"text": "nested"}}"""));
        content.Headers.ContentType = new MediaTypeHeaderValue(Json);

        using var response = await client.PostAsync(new Uri("/predict", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("/predict", "gzip")]
    [InlineData("/predict", "br")]
    [InlineData("/predict", "deflate")]
    [InlineData("/predict", "x-unknown")]
    [InlineData("/predict", "identity", "gzip")]
    [InlineData("/predict", "gzip", "br")]
    [InlineData("/predict/batch", "gzip")]
    [InlineData("/predict/batch", "br")]
    public async Task Post_ContentEncoding_Is415NamingIdentityAndCreatesNoJob(string path, params string[] encodings)
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        using var content = new ByteArrayContent(Gzip(path == "/predict" ? """{"text": "compressed"}""" : """{"items": [{"text": "compressed"}]}"""));
        content.Headers.ContentType = new MediaTypeHeaderValue(Json);
        foreach (var encoding in encodings)
        {
            content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);
        }

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);

        var problem = await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
        var detail = problem.GetProperty("detail").GetString();
        Assert.All(encodings, encoding => Assert.Contains(encoding, detail, StringComparison.Ordinal));
        Assert.Contains("the only accepted encoding is identity", detail, StringComparison.Ordinal);
        Assert.Equal("identity", response.Header("Accept-Encoding"));
        await AssertNothingStartedAsync(factory, client, backend);
    }

    [Theory]
    [InlineData("/predict", "identity")]
    [InlineData("/predict", "IDENTITY")]
    [InlineData("/predict", "identity, identity")]
    [InlineData("/predict/batch", "identity")]
    public async Task Post_IdentityContentEncoding_IsAccepted(string path, string encoding)
    {
        await using var factory = new GatewayFactory(backends: GatewayFakes.Model(open: true));
        using var client = factory.CreateClient();
        using var content = new ByteArrayContent(Utf8(path == "/predict" ? """{"text": "as is"}""" : """{"items": [{"text": "as is"}]}"""));
        content.Headers.ContentType = new MediaTypeHeaderValue(Json);
        content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);

        Assert.Equal(path == "/predict" ? HttpStatusCode.Accepted : HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Predict_ServerFault_Is500ProblemWithoutInternals()
    {
        await using var factory = new GatewayFactory(backends: GatewayFakes.Model(open: true))
        {
            ConfigureServices = services =>
            {
                services.RemoveAll<IJobStore>();
                services.AddSingleton<IJobStore, UnreachableJobStore>();
            },
        };
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("the store is down");

        var problem = await response.AssertProblemAsync(HttpStatusCode.InternalServerError);
        Assert.DoesNotContain(UnreachableJobStore.Secret, problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_BodyWithAByteOrderMark_IsAccepted()
    {
        await using var factory = new GatewayFactory(backends: GatewayFakes.Model(open: true));
        using var client = factory.CreateClient();
        using var content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. Utf8("{\"text\": \"a bom first\"}")]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await client.PostAsync(new Uri("/predict", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Predict_AfterTheSiloStopped_Is503ProblemWithRetryAfter()
    {
        await using var factory = new GatewayFactory(backends: GatewayFakes.Model(open: true));
        using var client = factory.CreateClient();
        var silo = factory.Services.GetServices<IHostedService>().Single(s => s.GetType().Name == "SiloHostedService");
        await silo.StopAsync(CancellationToken.None);

        using var response = await client.PredictAsync("arrives during shutdown");

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
    }

    [Fact]
    public async Task Predict_Get_Is405Problem()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/predict", UriKind.Relative));

        await response.AssertProblemAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Theory]
    [InlineData("GET", "/nope")]
    [InlineData("POST", "/predictions")]
    [InlineData("GET", "/jobs")]
    [InlineData("GET", "/cache/entries")]
    public async Task UnknownRoute_Is404Problem(string method, string path)
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        using var response = await client.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("text/plain")]
    public async Task UnknownRoute_ClientAcceptsOnlyOtherTypes_IsStill404Problem(string accept)
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/nope");
        request.Headers.Accept.ParseAdd(accept);

        using var response = await client.SendAsync(request);

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("Prefer", "wait=banana")]
    [InlineData("Prefer", "wait=-1, wait=")]
    [InlineData("Cache-Control", "max-age=tomorrow")]
    [InlineData("Cache-Control", "no-cache=\"unterminated")]
    [InlineData("Cache-Control", "=, ,=")]
    public async Task Predict_InvalidDirectiveHeaders_AreIgnoredNotErrors(string header, string value)
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("ordinary request", (header, value));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("MISS", response.Header("X-Cache"));
    }

    private static async Task AssertNothingStartedAsync(GatewayFactory factory, HttpClient client, FakeInferenceBackend backend)
    {
        var stats = await client.GetStatsAsync();
        Assert.Equal(0, stats.GetProperty("misses").GetInt64());
        Assert.Equal(0, stats.GetProperty("coalesced").GetInt64());
        Assert.Equal(0, backend.Calls);
        Assert.Equal(0, ((MemoryJobStore)factory.Services.GetRequiredService<IJobStore>()).Count);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Gzip(string text)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(Utf8(text));
        }

        return compressed.ToArray();
    }
}

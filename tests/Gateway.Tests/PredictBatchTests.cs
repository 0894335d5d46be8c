using System.Net;
using System.Text;
using System.Text.Json;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests;

/// <summary><c>POST /predict/batch</c>: every item answered on its own; a bad item does not fail the others.</summary>
public sealed class PredictBatchTests
{
    [Fact]
    public async Task Batch_MixedItems_AnswersEachWithItsOwnStatus()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        var stored = await factory.StoreAsync(client, "cached");
        backend.Hold();

        using var response = await PostBatchAsync(client, """
            {"items": [{"text": "cached"}, {"text": "new"}, {"text": "  "}, {"text": "x", "model": "nope"}, {"text": 5}, {"text": "NEW "}, "text"]}
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.ReadJsonAsync()).GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], items.Select(i => i.GetProperty("index").GetInt32()));
        Assert.Equal(["hit", "processing", "error", "error", "error", "processing", "error"], items.Select(i => i.GetProperty("status").GetString()));
        Assert.Equal(stored, items[0].GetProperty("job_id").GetGuid());
        Assert.True(items[0].GetProperty("cached").GetBoolean());
        GatewayHttp.AssertFakeResult(items[0].GetProperty("result"));
        Assert.Matches("^[0-9a-f]{64}$", items[0].GetProperty("key").GetString());
        Assert.Equal(items[1].GetProperty("job_id").GetGuid(), items[5].GetProperty("job_id").GetGuid());
        Assert.Equal(items[1].GetProperty("key").GetString(), items[5].GetProperty("key").GetString());
        Assert.Equal(JsonValueKind.Null, items[1].GetProperty("result").ValueKind);
        AssertError(items[2], 400, "\"text\" is blank.");
        AssertError(items[3], 400, "Unknown model 'nope'. Known models: sentiment.");
        AssertError(items[4], 400, "\"text\" must be a string; it is a number.");
        AssertError(items[6], 400, "An item must be a JSON object; it is a string.");
        Assert.Equal(JsonValueKind.Null, items[2].GetProperty("key").ValueKind);
        backend.Release();
        Assert.Equal(Grains.Jobs.JobStatus.Completed, (await factory.WaitForJobAsync(items[1].GetProperty("job_id").GetGuid())).Status);
        Assert.Equal(2, backend.Calls);
    }

    [Fact]
    public async Task Batch_TextOverMaxTextBytes_IsThatItemsErrorOnly()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Gateway:MaxTextBytes"] = "10" }, backends: backend);
        using var client = factory.CreateClient();

        using var response = await PostBatchAsync(client, """{"items": [{"text": "far too long a text"}, {"text": "short"}]}""", ("Prefer", "wait=5"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.ReadJsonAsync()).GetProperty("items").EnumerateArray().ToArray();
        AssertError(items[0], 413, "\"text\" is 19 bytes of UTF-8; at most 10 are accepted.");
        Assert.Equal("completed", items[1].GetProperty("status").GetString());
        Assert.False(items[1].GetProperty("cached").GetBoolean());
        GatewayHttp.AssertFakeResult(items[1].GetProperty("result"));
        Assert.Equal("wait=5", response.Header("Preference-Applied"));
    }

    [Fact]
    public async Task Batch_WaitAndModelFails_EachItemIsFailedNamingItsJob()
    {
        var backend = new ThrowingInferenceBackend();
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var response = await PostBatchAsync(client, """{"items": [{"text": "one"}, {"text": "two"}]}""", ("Prefer", "wait=5"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.ReadJsonAsync()).GetProperty("items").EnumerateArray().ToArray();
        foreach (var item in items)
        {
            var jobId = item.GetProperty("job_id").GetGuid();
            Assert.Equal("failed", item.GetProperty("status").GetString());
            AssertError(item, 502, $"Job {jobId} failed: The model is down.");
        }

        Assert.NotEqual(items[0].GetProperty("job_id").GetGuid(), items[1].GetProperty("job_id").GetGuid());
        Assert.Equal(2, backend.Calls);
    }

    [Fact]
    public async Task Batch_OverMaxBatchItems_Is413NamingTheLimit()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Gateway:MaxBatchItems"] = "2" }, backends: backend);
        using var client = factory.CreateClient();

        using var response = await PostBatchAsync(client, """{"items": [{"text": "a"}, {"text": "b"}, {"text": "c"}]}""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("The batch has 3 items; at most 2 (Gateway:MaxBatchItems) are accepted.", problem.GetProperty("detail").GetString());
        Assert.Equal(0, backend.Calls);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""{"items": {}}""")]
    [InlineData("""{"items": []}""")]
    [InlineData("""{"items": [""")]
    public async Task Batch_MalformedBatch_Is400(string body)
    {
        await using var factory = new GatewayFactory(backends: GatewayFakes.Model(open: true));
        using var client = factory.CreateClient();

        using var response = await PostBatchAsync(client, body);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Batch_NotJson_Is415()
    {
        await using var factory = new GatewayFactory(backends: GatewayFakes.Model(open: true));
        using var client = factory.CreateClient();

        using var response = await client.PostAsync(
            new Uri("/predict/batch", UriKind.Relative), new StringContent("items", Encoding.UTF8, "text/plain"));

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    private static async Task<HttpResponseMessage> PostBatchAsync(HttpClient client, string json, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict/batch")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }

    private static void AssertError(JsonElement item, int status, string detail)
    {
        var error = item.GetProperty("error");
        Assert.Equal(status, error.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("title").GetString()));
        Assert.Equal(detail, error.GetProperty("detail").GetString());
    }
}

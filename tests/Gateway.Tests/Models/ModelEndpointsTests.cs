using System.Net;
using Microsoft.Extensions.Options;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Models;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Models;

/// <summary>Named models from configuration: <c>GET /models</c>, defaults, TTL and normalization per model, start-up validation.</summary>
public sealed class ModelEndpointsTests
{
    private const string Secret = "Bearer never-show-this";

    [Fact]
    public async Task GetModels_WithoutModelsSection_ListsTheBuiltinModel()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var model = Assert.Single((await response.ReadJsonAsync()).GetProperty("models").EnumerateArray());
        Assert.Equal("sentiment", model.GetProperty("name").GetString());
        Assert.Equal("afinn-165-1", model.GetProperty("version").GetString());
        Assert.Equal("builtin", model.GetProperty("backend").GetString());
        Assert.True(model.GetProperty("default").GetBoolean());
        Assert.Equal(3600, model.GetProperty("ttl_seconds").GetInt64());
    }

    [Fact]
    public async Task GetModels_ShowsSettingsAndCounters_NeverHeadersOrUrlCredentials()
    {
        await using var server = await FakeModelServer.StartAsync();
        var settings = HttpModels.Settings(server, overrides: [("TtlSeconds", "120"), ("Normalization", "exact"), ("Headers:Authorization", Secret)]);
        settings["Models:0:BaseUrl"] = new UriBuilder(server.BaseUrl) { UserName = "user", Password = "pa55word" }.Uri.ToString();
        settings["Models:1:Name"] = "sentiment";
        settings["Models:1:Version"] = "2";
        settings["Models:1:Default"] = "true";
        await using var factory = new GatewayFactory(settings);
        using var client = factory.CreateClient();
        using (var miss = await client.SendAsync(GatewayHttp.PredictRequest("Counted", HttpModels.Name)))
        {
            await factory.WaitForJobAsync((await miss.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        }

        using (var hit = await client.SendAsync(GatewayHttp.PredictRequest("Counted", HttpModels.Name)))
        {
            Assert.Equal("HIT", hit.Header("X-Cache"));
        }

        using var response = await client.GetAsync(new Uri("/models", UriKind.Relative));

        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("never-show-this", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pa55word", text, StringComparison.Ordinal);
        var models = (await response.ReadJsonAsync()).GetProperty("models").EnumerateArray().ToArray();
        Assert.Equal(2, models.Length);
        var remote = models[0];
        Assert.Equal("remote", remote.GetProperty("name").GetString());
        Assert.Equal("7", remote.GetProperty("version").GetString());
        Assert.False(remote.GetProperty("default").GetBoolean());
        Assert.Equal("http", remote.GetProperty("backend").GetString());
        Assert.Equal(120, remote.GetProperty("ttl_seconds").GetInt64());
        Assert.Equal("exact", remote.GetProperty("normalization").GetString());
        var http = remote.GetProperty("http");
        Assert.Equal("kserve-v1", http.GetProperty("protocol").GetString());
        Assert.Equal(server.BaseUrl.ToString(), http.GetProperty("base_url").GetString());
        Assert.Equal(32, http.GetProperty("max_batch_size").GetInt32());
        Assert.Equal(5, http.GetProperty("max_delay_ms").GetInt32());
        var stats = remote.GetProperty("stats");
        Assert.Equal(1, stats.GetProperty("hits").GetInt64());
        Assert.Equal(1, stats.GetProperty("misses").GetInt64());
        Assert.Equal(1, stats.GetProperty("inferences").GetInt64());
        Assert.Equal(0, stats.GetProperty("failures").GetInt64());
        Assert.True(stats.GetProperty("latency_p50_ms").GetDouble() > 0);
        Assert.Equal(stats.GetProperty("latency_p50_ms").GetDouble(), stats.GetProperty("latency_p99_ms").GetDouble());
        var builtin = models[1];
        Assert.True(builtin.GetProperty("default").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, builtin.GetProperty("http").ValueKind);
        Assert.Equal(0, builtin.GetProperty("stats").GetProperty("misses").GetInt64());
    }

    [Fact]
    public async Task Predict_ModelByName_UsesItsVersionInTheKey_DefaultWhenUnnamed()
    {
        await using var server = await FakeModelServer.StartAsync();
        var settings = HttpModels.Settings(server);
        settings["Models:1:Name"] = "sentiment";
        settings["Models:1:Version"] = "2";
        settings["Models:1:Default"] = "true";
        await using var factory = new GatewayFactory(settings);
        using var client = factory.CreateClient();

        using var remote = await client.SendAsync(GatewayHttp.PredictRequest("Same text", HttpModels.Name));
        using var unnamed = await client.PredictAsync("Same text");
        using var unknown = await client.SendAsync(GatewayHttp.PredictRequest("Same text", "nope"));

        Assert.Equal(KeyBuilder.Build(new ModelDescriptor("remote", "7"), "same text"), remote.Header("X-Cache-Key"));
        Assert.Equal(KeyBuilder.Build(new ModelDescriptor("sentiment", "2"), "same text"), unnamed.Header("X-Cache-Key"));
        await unknown.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ExactNormalization_KeysTheTextAsSent()
    {
        await using var server = await FakeModelServer.StartAsync();
        await using var factory = new GatewayFactory(HttpModels.Settings(server, overrides: ("Normalization", "exact")));
        using var client = factory.CreateClient();

        var first = await factory.WaitForJobAsync(await client.MissAsync("Hello  World"));
        using var other = await client.PredictAsync("hello world");

        Assert.Equal("""{"echo":"Hello  World"}""", first.Result!.ToString());
        Assert.Equal("MISS", other.Header("X-Cache"));
        Assert.Equal(KeyBuilder.Build(new ModelDescriptor("remote", "7"), "hello world"), other.Header("X-Cache-Key"));
    }

    [Fact]
    public async Task ModelTtl_OverridesCacheTtl()
    {
        var clock = new TestClock();
        await using var server = await FakeModelServer.StartAsync();
        // No batch delay: on a manual clock it would wait for an Advance.
        await using var factory = new GatewayFactory(HttpModels.Settings(server, overrides: [("TtlSeconds", "10"), ("MaxDelayMs", "0")]), clock);
        using var client = factory.CreateClient();
        Assert.Equal(JobStatus.Completed, (await factory.WaitForJobAsync(await client.MissAsync("short lived"))).Status);

        clock.Advance(TimeSpan.FromSeconds(9));
        using (var fresh = await client.PredictAsync("short lived"))
        {
            Assert.Equal("HIT", fresh.Header("X-Cache"));
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        using var expired = await client.PredictAsync("short lived");

        Assert.Equal("MISS", expired.Header("X-Cache"));
    }

    [Theory]
    [InlineData("Models:1:BaseUrl", null, "Models:1:BaseUrl is missing")]
    [InlineData("Models:1:BaseUrl", "ftp://x", "Models:1:BaseUrl is 'ftp://x'")]
    [InlineData("Models:1:Protocol", "grpc", "Models:1:Protocol is 'grpc'")]
    [InlineData("Models:1:Backend", "onnx", "Models:1:Backend is 'onnx'")]
    [InlineData("Models:1:TimeoutSeconds", "0", "Models:1:TimeoutSeconds is '0'")]
    [InlineData("Models:1:Normalization", "fuzzy", "Models:1:Normalization is 'fuzzy'")]
    [InlineData("Models:1:Name", "sentiment", "Models:1:Name is 'sentiment': another model has that name already.")]
    [InlineData("Batching:MaxBatchSize", "0", "Batching:MaxBatchSize is '0'")]
    public async Task Start_InvalidModel_FailsNamingTheKey(string key, string? value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "memory",
            ["Models:0:Name"] = "sentiment",
            ["Models:1:Name"] = "remote",
            ["Models:1:Backend"] = "http",
            ["Models:1:BaseUrl"] = "http://127.0.0.1:9",
        };
        settings[key] = value;
        await using var host = GatewayBuilder.Build(settings);

        var error = await Record.ExceptionAsync(() => host.StartAsync());

        var validation = Chain(error).OfType<OptionsValidationException>().FirstOrDefault();
        Assert.True(validation is not null, $"No validation error in: {error}");
        Assert.Contains(expected, validation.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Chain(Exception? error)
    {
        for (var current = error; current is not null; current = current.InnerException)
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}

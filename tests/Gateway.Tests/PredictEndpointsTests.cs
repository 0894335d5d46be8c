using System.Net;
using System.Text.Json;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.Grains.Inference.Builtin;
using PredictionCache.Grains.Keys;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests;

/// <summary><c>POST /predict</c>: miss, hit, normalization, coalescing and models.</summary>
public sealed class PredictEndpointsTests
{
    [Fact]
    public async Task Predict_FirstTime_IsMissWithJob()
    {
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("Hello World");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var jobId = body.GetProperty("job_id").GetGuid();
        Assert.NotEqual(Guid.Empty, jobId);
        Assert.Equal("processing", body.GetProperty("status").GetString());
        Assert.False(body.GetProperty("cached").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("result").ValueKind);
        Assert.Equal($"/jobs/{jobId}", response.Headers.Location?.OriginalString);
        Assert.Equal("MISS", response.Header("X-Cache"));
        Assert.Equal(KeyBuilder.Build(backend.Model, "hello world"), response.Header("X-Cache-Key"));
        Assert.False(response.HasHeader("Age"));
        backend.Release();
    }

    [Fact]
    public async Task Predict_SameTextTwice_SecondIsHit()
    {
        var clock = new TestClock();
        await using var factory = new GatewayFactory(time: clock);
        using var client = factory.CreateClient();

        using var miss = await client.PredictAsync("I love this wonderful product");
        Assert.Equal(HttpStatusCode.Accepted, miss.StatusCode);
        var jobId = (await miss.ReadJsonAsync()).GetProperty("job_id").GetGuid();
        var key = miss.Header("X-Cache-Key");
        await factory.WaitForJobAsync(jobId);
        using var job = await client.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative));
        var jobBody = await job.ReadJsonAsync();
        clock.Advance(TimeSpan.FromSeconds(3));

        using var hit = await client.PredictAsync("I love this wonderful product");

        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal("HIT", hit.Header("X-Cache"));
        Assert.Equal(key, hit.Header("X-Cache-Key"));
        Assert.Matches("^[0-9a-f]{64}$", key);
        Assert.Equal("3", hit.Header("Age"));
        var body = await hit.ReadJsonAsync();
        Assert.Equal(jobId, body.GetProperty("job_id").GetGuid());
        Assert.Equal("completed", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("cached").GetBoolean());
        var result = body.GetProperty("result");
        GatewayHttp.AssertBuiltinResult(result);
        Assert.Equal(jobBody.GetProperty("result").GetRawText(), result.GetRawText());
    }

    [Theory]
    [InlineData("Hello   World", "  hello world ")]
    [InlineData("HELLO\tWORLD", "hello\r\n world")]
    [InlineData("caf\u00e9 au lait", "cafe\u0301 au lait")]
    [InlineData("Caf\u00c9", "CAFE\u0301")]
    public async Task Predict_TextsEqualAfterNormalization_ShareOneKeyAndOneInference(string first, string second)
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        var jobId = await factory.StoreAsync(client, first);

        using var hit = await client.PredictAsync(second);

        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal("HIT", hit.Header("X-Cache"));
        Assert.Equal(KeyBuilder.Build(backend.Model, TextNormalizer.Normalize(first)!), hit.Header("X-Cache-Key"));
        Assert.Equal(jobId, (await hit.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        Assert.Equal(1, backend.Calls);
        Assert.Equal([TextNormalizer.Normalize(first)!], backend.Inputs);
    }

    [Fact]
    public async Task Predict_ComposedAndDecomposedAtOnce_ShareOneJob()
    {
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var composed = await client.PredictAsync("caf\u00e9");
        using var decomposed = await client.PredictAsync("cafe\u0301");

        Assert.Equal(HttpStatusCode.Accepted, decomposed.StatusCode);
        Assert.Equal(composed.Header("X-Cache-Key"), decomposed.Header("X-Cache-Key"));
        Assert.Equal(
            (await composed.ReadJsonAsync()).GetProperty("job_id").GetGuid(),
            (await decomposed.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        Assert.Equal(["caf\u00e9"], backend.Inputs);
        backend.Release();
    }

    [Fact]
    public async Task Predict_DifferentTexts_HaveDifferentKeys()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var first = await client.PredictAsync("hello world");
        using var second = await client.PredictAsync("hello  world!");

        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.NotEqual(first.Header("X-Cache-Key"), second.Header("X-Cache-Key"));
    }

    [Fact]
    public async Task Predict_ConcurrentIdenticalMisses_ShareOneJobAndOneInference()
    {
        const int requests = 200;
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(_ => client.PredictAsync("the same text"))).WaitAsync(GatewayHttp.HangGuard);
        var statsWhileHeld = await client.GetStatsAsync();
        backend.Release();

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.All(responses, r => Assert.Equal("MISS", r.Header("X-Cache")));
        var jobIds = await Task.WhenAll(responses.Select(async r => (await r.ReadJsonAsync()).GetProperty("job_id").GetGuid()));
        var jobId = Assert.Single(jobIds.Distinct());
        Assert.Single(responses.Select(r => r.Header("X-Cache-Key")).Distinct());
        Assert.Equal(1, statsWhileHeld.GetProperty("misses").GetInt64());
        Assert.Equal(requests - 1, statsWhileHeld.GetProperty("coalesced").GetInt64());
        Assert.Equal(1, statsWhileHeld.GetProperty("inflight").GetInt64());
        Assert.Equal(0, statsWhileHeld.GetProperty("inferences").GetInt64());

        await factory.WaitForJobAsync(jobId);
        var stats = await client.GetStatsAsync();
        Assert.Equal(1, backend.Calls);
        Assert.Equal(1, stats.GetProperty("misses").GetInt64());
        Assert.Equal(requests - 1, stats.GetProperty("coalesced").GetInt64());
        Assert.Equal(1, stats.GetProperty("inferences").GetInt64());
        Assert.Equal(0, stats.GetProperty("inflight").GetInt64());
        Assert.Equal(1, stats.GetProperty("size").GetInt64());
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Predict_ConcurrentMissesMixedWithOnlyIfCached_StillShareOneJobPerKey()
    {
        // An only-if-cached miss deactivates the empty grain; misses queued behind it must not start an inference on
        // the dying activation while later ones start a second on the next. Many keys make the interleaving likely.
        const int keys = 30;
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        var perKey = new List<int>();
        for (var k = 0; k < keys; k++)
        {
            var text = $"mixed {k}";
            var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(n => n % 2 == 0
                ? client.PredictAsync(text, ("Cache-Control", "only-if-cached"))
                : client.PredictAsync(text))).WaitAsync(GatewayHttp.HangGuard);
            var jobs = new HashSet<Guid>();
            foreach (var response in responses)
            {
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    jobs.Add((await response.ReadJsonAsync()).GetProperty("job_id").GetGuid());
                }
                else
                {
                    await response.AssertProblemAsync(HttpStatusCode.GatewayTimeout);
                }

                response.Dispose();
            }

            perKey.Add(jobs.Count);
        }

        backend.Release();

        Assert.All(perKey, jobs => Assert.Equal(1, jobs));
        await backend.WaitForCallsAsync(keys); // a 202 answers before its inference reaches the model
        Assert.Equal(keys, backend.Calls);
        Assert.Equal(keys, (await client.GetStatsAsync()).GetProperty("misses").GetInt64());
    }

    [Fact]
    public async Task Predict_ExplicitBuiltinModel_IsServedByIt()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(GatewayHttp.PredictRequest("What a great day", model: "sentiment"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(KeyBuilder.Build(BuiltinSentimentBackend.Descriptor, "what a great day"), response.Header("X-Cache-Key"));
        var jobId = (await response.ReadJsonAsync()).GetProperty("job_id").GetGuid();
        var job = await factory.WaitForJobAsync(jobId);
        using var result = JsonDocument.Parse(job.Result!.Utf8Json);
        GatewayHttp.AssertBuiltinResult(result.RootElement);
    }

    [Fact]
    public async Task Predict_NamedModel_UsesItsBackendAndItsOwnKey()
    {
        var sentiment = GatewayFakes.Model(open: true);
        var other = GatewayFakes.Model(open: true, name: "other", version: "2");
        await using var factory = new GatewayFactory(backends: [sentiment, other]);
        using var client = factory.CreateClient();

        using var byDefault = await client.PredictAsync("same words");
        using var byName = await client.SendAsync(GatewayHttp.PredictRequest("same words", model: "other"));

        Assert.Equal(HttpStatusCode.Accepted, byName.StatusCode);
        Assert.Equal(KeyBuilder.Build(other.Model, "same words"), byName.Header("X-Cache-Key"));
        Assert.NotEqual(byDefault.Header("X-Cache-Key"), byName.Header("X-Cache-Key"));
        await factory.WaitForJobAsync((await byName.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        Assert.Equal(1, sentiment.Calls);
        Assert.Equal(1, other.Calls);
    }

    [Fact]
    public async Task Predict_UnknownModel_Is400()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(GatewayHttp.PredictRequest("hello", model: "gpt-17"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("gpt-17", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await client.GetStatsAsync()).GetProperty("misses").GetInt64());
    }

    [Fact]
    public async Task Predict_FailingModel_JobFailsAndNothingIsCached()
    {
        var backend = new ThrowingInferenceBackend();
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var miss = await client.PredictAsync("anything");
        var jobId = (await miss.ReadJsonAsync()).GetProperty("job_id").GetGuid();
        await factory.WaitForJobAsync(jobId);
        using var job = await client.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative));
        using var again = await client.PredictAsync("anything", ("Prefer", "wait=5"));

        var jobBody = await job.ReadJsonAsync();
        Assert.Equal("failed", jobBody.GetProperty("status").GetString());
        Assert.Contains("model is down", jobBody.GetProperty("error").GetString(), StringComparison.Ordinal);
        var problem = await again.AssertProblemAsync(HttpStatusCode.BadGateway);
        Assert.NotEqual(jobId, problem.GetProperty("job_id").GetGuid());
        Assert.Equal(2, backend.Calls);
    }
}

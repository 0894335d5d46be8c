using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests;

/// <summary>A model that fails or times out: <c>502</c>/<c>504</c> naming the job, the job failed, nothing cached.</summary>
public sealed class PredictFailureTests
{
    [Fact]
    public async Task Predict_WaitAndModelFails_Is502NamingTheFailedJob()
    {
        var backend = new ThrowingInferenceBackend();
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("doomed", ("Prefer", "wait=5"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadGateway);
        var jobId = problem.GetProperty("job_id").GetGuid();
        Assert.Equal("Inference failed", problem.GetProperty("title").GetString());
        Assert.Equal($"Job {jobId} failed: The model is down.", problem.GetProperty("detail").GetString());
        Assert.False(problem.GetProperty("timed_out").GetBoolean());
        Assert.Equal("MISS", response.Header("X-Cache"));
        var job = await GetJobAsync(client, jobId);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("The model is down.", job.GetProperty("error").GetString());
        Assert.False(job.GetProperty("timed_out").GetBoolean());
        Assert.Equal(0, (await client.GetStatsAsync()).GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task Predict_WaitAndModelTimesOut_Is504NamingTheFailedJob()
    {
        var backend = GatewayFakes.Model(open: true);
        backend.Failure = () => new InferenceTimeoutException(backend.Model, TimeSpan.FromSeconds(2));
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("too slow", ("Prefer", "wait=5"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.GatewayTimeout);
        var jobId = problem.GetProperty("job_id").GetGuid();
        Assert.Equal("Inference timed out", problem.GetProperty("title").GetString());
        Assert.Equal($"Job {jobId} failed: Inference by model 'sentiment' timed out after 2 s.", problem.GetProperty("detail").GetString());
        Assert.True(problem.GetProperty("timed_out").GetBoolean());
        var job = await GetJobAsync(client, jobId);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.True(job.GetProperty("timed_out").GetBoolean());
    }

    [Fact]
    public async Task Predict_WaitAndSchedulerTimeoutRunsOut_Is504()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(
            new Dictionary<string, string?> { ["Inference:TimeoutSeconds"] = "3" }, clock, backend);
        using var client = factory.CreateClient();

        // Asked for before the request: the job wait's timer can be created before this test would get to ask.
        var waiting = clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(10));
        var pending = client.PredictAsync("never answers", ("Prefer", "wait=10"));
        await backend.WaitForCallsAsync(1);
        await waiting.WaitAsync(GatewayHttp.HangGuard);
        clock.Advance(TimeSpan.FromSeconds(3));
        using var response = await pending.WaitAsync(GatewayHttp.HangGuard);

        var problem = await response.AssertProblemAsync(HttpStatusCode.GatewayTimeout);
        Assert.True(problem.GetProperty("timed_out").GetBoolean());
        backend.Release();
    }

    [Fact]
    public async Task Predict_BackendAnswersMalformedJson_Is502NotA500()
    {
        var backend = new FakeInferenceBackend(gated: false, name: "sentiment", version: "broken-1", answer: static _ => "{\"sentiment\": ");
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();

        using var response = await client.PredictAsync("garbled", ("Prefer", "wait=5"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadGateway);
        Assert.StartsWith($"Job {problem.GetProperty("job_id").GetGuid()} failed: Inference by model 'sentiment' failed:", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await client.GetStatsAsync()).GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task Predict_AfterAFailure_TheNextRequestTriesAgainAndCanSucceed()
    {
        var backend = GatewayFakes.Model(open: true);
        backend.Failure = () => new InferenceFailedException(backend.Model, "The model is down.");
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        using var failed = await client.PredictAsync("flaky", ("Prefer", "wait=5"));
        await failed.AssertProblemAsync(HttpStatusCode.BadGateway);

        backend.Failure = null;
        using var response = await client.PredictAsync("flaky", ("Prefer", "wait=5"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, backend.Calls);
    }

    [Fact]
    public async Task Predict_ThousandConcurrentIdenticalMissesToAFailingModel_OneCallAndEveryWaiterGetsTheFailure()
    {
        const int Requests = 1000;
        var backend = GatewayFakes.Model();
        backend.Failure = () => new InferenceFailedException(backend.Model, "The model is down.");
        WaitCountingJobStore? jobs = null;
        await using var factory = new GatewayFactory(
            new Dictionary<string, string?> { ["Inference:MaxQueueLength"] = "10" }, backends: backend)
        {
            ConfigureServices = services =>
            {
                services.RemoveAll<IJobStore>();
                services.AddSingleton<IJobStore>(sp =>
                    jobs = new WaitCountingJobStore(new MemoryJobStore(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<JobOptions>>()), Requests));
            },
        };
        using var client = factory.CreateClient();
        _ = factory.Services.GetRequiredService<IJobStore>();

        var pending = Enumerable.Range(0, Requests).Select(_ => client.PredictAsync("stampede", ("Prefer", "wait=30"))).ToArray();
        await jobs!.AllWaiting.WaitAsync(GatewayHttp.HangGuard);
        backend.Release();
        var responses = await Task.WhenAll(pending).WaitAsync(GatewayHttp.HangGuard);

        Assert.Equal(1, backend.Calls);
        var jobIds = new HashSet<Guid>();
        foreach (var response in responses)
        {
            using (response)
            {
                jobIds.Add((await response.AssertProblemAsync(HttpStatusCode.BadGateway)).GetProperty("job_id").GetGuid());
            }
        }

        var jobId = Assert.Single(jobIds);
        var job = await GetJobAsync(client, jobId);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        var stats = await client.GetStatsAsync();
        Assert.Equal(0, stats.GetProperty("size").GetInt64());
        Assert.Equal(1, stats.GetProperty("misses").GetInt64());
        Assert.Equal(Requests - 1, stats.GetProperty("coalesced").GetInt64());
    }

    private static async Task<JsonElement> GetJobAsync(HttpClient client, Guid jobId)
    {
        using var response = await client.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }
}

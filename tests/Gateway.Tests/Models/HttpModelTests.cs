using System.Net;
using System.Text.Json;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.Grains.Jobs;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Models;

/// <summary>HTTP models against a real model server on a loopback port: both protocols, retries, breaker, queue, timeouts.</summary>
public sealed class HttpModelTests
{
    [Fact]
    public async Task KServeV1_Miss_IsInferredByTheModelServerAndCached()
    {
        await using var server = await FakeModelServer.StartAsync();
        await using var factory = new GatewayFactory(HttpModels.Settings(server, "kserve-v1"));
        using var client = factory.CreateClient();

        var jobId = await client.MissAsync("Hello   World");
        var job = await factory.WaitForJobAsync(jobId);
        using var hit = await client.PredictAsync("hello world");

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal("""{"echo":"hello world"}""", job.Result!.ToString());
        Assert.Equal(["/v1/models/remote:predict"], server.Paths);
        Assert.Equal([1], server.BatchSizes);
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal("HIT", hit.Header("X-Cache"));
        Assert.Equal("hello world", (await hit.ReadJsonAsync()).GetProperty("result").GetProperty("echo").GetString());
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task OpenInferenceV2_Miss_SendsTypedBytesInputToTheVersionedPath()
    {
        await using var server = await FakeModelServer.StartAsync();
        await using var factory = new GatewayFactory(HttpModels.Settings(server, "open-inference-v2", ("RemoteName", "triton-echo"), ("RemoteVersion", "3")));
        using var client = factory.CreateClient();

        var job = await factory.WaitForJobAsync(await client.MissAsync("Bonjour"));

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal("\"bonjour\"", job.Result!.ToString());
        Assert.Equal(["/v2/models/triton-echo/versions/3/infer"], server.Paths);
        Assert.Equal(["bonjour"], server.Instances);
    }

    [Theory]
    [InlineData("kserve-v1")]
    [InlineData("open-inference-v2")]
    public async Task DistinctConcurrentMisses_GoUpstreamInOneBatch_EachJobGetsItsOwnAnswer(string protocol)
    {
        await using var server = await FakeModelServer.StartAsync();
        await using var factory = new GatewayFactory(HttpModels.Settings(
            server, protocol, ("MaxConcurrency", "1"), ("MaxBatchSize", "64"), ("MaxDelayMs", "0")));
        using var client = factory.CreateClient();
        server.Hold();
        var first = await client.MissAsync("text 0");
        await server.WaitForRequestsAsync(1);

        // The one upstream slot is taken: these 19 queue, and go together once it is free.
        var rest = await Task.WhenAll(Enumerable.Range(1, 19).Select(i => client.MissAsync($"text {i}")));
        server.Release();
        var jobs = await Task.WhenAll(rest.Prepend(first).Select(factory.WaitForJobAsync));

        Assert.Equal(2, server.Requests);
        Assert.Equal([1, 19], server.BatchSizes);
        for (var i = 0; i < jobs.Length; i++)
        {
            Assert.Equal(JobStatus.Completed, jobs[i].Status);
            var expected = protocol == "kserve-v1" ? $$"""{"echo":"text {{i}}"}""" : $"\"text {i}\"";
            Assert.Equal(expected, jobs[i].Result!.ToString());
        }
    }

    [Fact]
    public async Task ThousandConcurrentIdenticalMisses_MakeExactlyOneUpstreamCall()
    {
        await using var server = await FakeModelServer.StartAsync();

        // The upstream call is held until all 1000 are answered, however long that takes on a busy machine: an attempt
        // timeout on the real clock (and the retry after it) would make a second call that is not the cache's doing.
        await using var factory = new GatewayFactory(HttpModels.Settings(server, overrides: [("TimeoutSeconds", "3600"), ("MaxRetries", "0")]));
        using var client = factory.CreateClient();
        server.Hold();

        var jobIds = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => client.MissAsync("the same text")));
        server.Release();
        var job = await factory.WaitForJobAsync(jobIds[0]);

        Assert.Single(jobIds.Distinct());
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(1, server.Requests);
        Assert.Equal([1], server.BatchSizes);
    }

    [Fact]
    public async Task ServerFailsTwiceThenAnswers_JobCompletesAfterThreeUpstreamRequests()
    {
        await using var server = await FakeModelServer.StartAsync();
        await using var factory = new GatewayFactory(HttpModels.Settings(server, overrides: ("MaxRetries", "2")));
        using var client = factory.CreateClient();
        server.FailNext(2, 503);

        var job = await factory.WaitForJobAsync(await client.MissAsync("retry me"));

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal("""{"echo":"retry me"}""", job.Result!.ToString());
        Assert.Equal(3, server.Requests);
    }

    [Fact]
    public async Task ClientError_IsNotRetried()
    {
        await using var server = await FakeModelServer.StartAsync();
        await using var factory = new GatewayFactory(HttpModels.Settings(server, overrides: ("MaxRetries", "2")));
        using var client = factory.CreateClient();
        server.FailNext(1, 422);

        var job = await factory.WaitForJobAsync(await client.MissAsync("bad input"));

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("Model 'remote': the model server answered 422.", job.Error);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Breaker_OpensAfterFailures_RefusesWithoutCalling_ClosesAfterBreakDuration()
    {
        var clock = new TestClock();
        await using var server = await FakeModelServer.StartAsync();
        await using var factory = new GatewayFactory(
            HttpModels.Settings(
                server,
                overrides: [("MaxRetries", "0"), ("MaxBatchSize", "1"), ("BreakerMinimumThroughput", "2"), ("BreakerFailureRatio", "1"), ("BreakerBreakSeconds", "5")]),
            clock);
        using var client = factory.CreateClient();
        server.FailWith = 500;

        var first = await factory.WaitForJobAsync(await client.MissAsync("one"));
        var second = await factory.WaitForJobAsync(await client.MissAsync("two"));
        var refused = await factory.WaitForJobAsync(await client.MissAsync("three"));
        var requestsWhileOpen = server.Requests;
        server.FailWith = null;
        clock.Advance(TimeSpan.FromSeconds(5));
        var afterBreak = await factory.WaitForJobAsync(await client.MissAsync("three"));

        Assert.Equal("Model 'remote': the model server answered 500.", first.Error);
        Assert.Equal("Model 'remote': the model server answered 500.", second.Error);
        Assert.Equal(JobStatus.Failed, refused.Status);
        Assert.Equal("Model 'remote': the model server is failing; its circuit is open for up to 5 s.", refused.Error);
        Assert.Equal(2, requestsWhileOpen);
        Assert.Equal(JobStatus.Completed, afterBreak.Status);
        Assert.Equal(3, server.Requests);
    }

    [Fact]
    public async Task QueueFull_MissIsRefusedWith503AndRetryAfter()
    {
        await using var server = await FakeModelServer.StartAsync();
        await using var factory = new GatewayFactory(HttpModels.Settings(
            server, overrides: [("MaxConcurrency", "1"), ("MaxBatchSize", "1"), ("MaxQueueLength", "1")]));
        using var client = factory.CreateClient();
        server.Hold();
        var running = await client.MissAsync("running");
        await server.WaitForRequestsAsync(1);
        var queued = await client.MissAsync("queued");

        using var refused = await client.PredictAsync("refused");

        await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("1", refused.Header("Retry-After"));
        server.Release();
        Assert.Equal(JobStatus.Completed, (await factory.WaitForJobAsync(running)).Status);
        Assert.Equal(JobStatus.Completed, (await factory.WaitForJobAsync(queued)).Status);
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task ServerNeverAnswers_JobFailsTimedOut()
    {
        await using var server = await FakeModelServer.StartAsync();
        await using var factory = new GatewayFactory(HttpModels.Settings(server, overrides: [("MaxRetries", "0"), ("TimeoutSeconds", "1")]));
        using var client = factory.CreateClient();
        server.Hang = true;

        var job = await factory.WaitForJobAsync(await client.MissAsync("silence"));

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("Inference by model 'remote' timed out after 1 s.", job.Error);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Failure_IsNotCached_NextRequestTriesAgain()
    {
        await using var server = await FakeModelServer.StartAsync();
        await using var factory = new GatewayFactory(HttpModels.Settings(server, overrides: ("MaxRetries", "0")));
        using var client = factory.CreateClient();
        server.FailNext(1, 500);
        var failed = await factory.WaitForJobAsync(await client.MissAsync("flaky"));

        using var again = await client.PredictAsync("flaky");
        var jobId = (await again.ReadJsonAsync()).GetProperty("job_id").GetGuid();
        var retried = await factory.WaitForJobAsync(jobId);

        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("MISS", again.Header("X-Cache"));
        Assert.NotEqual(failed.Id, jobId);
        Assert.Equal(JobStatus.Completed, retried.Status);
        Assert.Equal(2, server.Requests);
    }

    [Theory]
    [InlineData("kserve-v1", FakeMalformation.NotJson, "the model server's answer is malformed: The answer is not valid JSON")]
    [InlineData("kserve-v1", FakeMalformation.WrongCount, "the model server's answer is malformed: The answer has 0 predictions for 1 instances.")]
    [InlineData("kserve-v1", FakeMalformation.MissingField, "the model server's answer is malformed: The answer has no \"predictions\" array.")]
    [InlineData("open-inference-v2", FakeMalformation.NotJson, "the model server's answer is malformed: The answer is not valid JSON")]
    [InlineData("open-inference-v2", FakeMalformation.WrongCount, "the model server's answer is malformed: The output \"echo\" has 0 values for 1 inputs.")]
    [InlineData("open-inference-v2", FakeMalformation.MissingField, "the model server's answer is malformed: The answer has no \"outputs\".")]
    public async Task MalformedAnswer_FailsTheJobAndIsNotCached(string protocol, FakeMalformation malformation, string error)
    {
        await using var server = await FakeModelServer.StartAsync();
        await using var factory = new GatewayFactory(HttpModels.Settings(server, protocol));
        using var client = factory.CreateClient();
        server.Malformation = malformation;

        var failed = await factory.WaitForJobAsync(await client.MissAsync("garbled"));
        server.Malformation = FakeMalformation.None;
        var retried = await factory.WaitForJobAsync(await client.MissAsync("garbled"));

        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.StartsWith($"Model 'remote': {error}", failed.Error, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Completed, retried.Status);
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task PreferWait_FailedUpstream_AnswersProblemNamingTheJob()
    {
        await using var server = await FakeModelServer.StartAsync();
        await using var factory = new GatewayFactory(HttpModels.Settings(server, overrides: ("MaxRetries", "0")));
        using var client = factory.CreateClient();
        server.FailWith = 500;

        using var response = await client.PredictAsync("down", ("Prefer", "wait=10"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadGateway);
        Assert.Equal(JsonValueKind.String, problem.GetProperty("job_id").ValueKind);
    }
}

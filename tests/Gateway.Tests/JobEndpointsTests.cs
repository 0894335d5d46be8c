using System.Net;
using System.Text.Json;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests;

/// <summary><c>GET /jobs/{id}</c>.</summary>
public sealed class JobEndpointsTests
{
    [Fact]
    public async Task GetJob_WhileInferring_IsProcessing()
    {
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        using var miss = await client.PredictAsync("still thinking");
        var location = miss.Headers.Location!;

        using var response = await client.GetAsync(location);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var job = await response.ReadJsonAsync();
        Assert.Equal((await miss.ReadJsonAsync()).GetProperty("job_id").GetGuid(), job.GetProperty("job_id").GetGuid());
        Assert.Equal("processing", job.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("result").ValueKind);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("error").ValueKind);
        backend.Release();
    }

    [Fact]
    public async Task GetJob_AfterInference_IsCompletedWithResult()
    {
        var backend = GatewayFakes.Model();
        await using var factory = new GatewayFactory(backends: backend);
        using var client = factory.CreateClient();
        using var miss = await client.PredictAsync("done soon");
        var jobId = (await miss.ReadJsonAsync()).GetProperty("job_id").GetGuid();

        // A gated model: the job cannot complete before the gate opens, and polls after it see it complete.
        JsonElement job = default;
        for (var poll = 0; poll < 2; poll++)
        {
            using var response = await client.GetAsync(miss.Headers.Location);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            job = await response.ReadJsonAsync();
            if (poll == 0)
            {
                Assert.Equal("processing", job.GetProperty("status").GetString());
                backend.Release();
                await factory.WaitForJobAsync(jobId);
            }
        }

        Assert.Equal(jobId, job.GetProperty("job_id").GetGuid());
        Assert.Equal("completed", job.GetProperty("status").GetString());
        GatewayHttp.AssertFakeResult(job.GetProperty("result"));
        Assert.Equal(JsonValueKind.Null, job.GetProperty("error").ValueKind);
        Assert.True(job.TryGetProperty("completed_at", out var completedAt) && completedAt.ValueKind == JsonValueKind.String);
    }

    [Fact]
    public async Task GetJob_ModelFailed_IsFailedWithError()
    {
        await using var factory = new GatewayFactory(backends: new ThrowingInferenceBackend());
        using var client = factory.CreateClient();
        using var miss = await client.PredictAsync("doomed");
        await factory.WaitForJobAsync((await miss.ReadJsonAsync()).GetProperty("job_id").GetGuid());

        using var response = await client.GetAsync(miss.Headers.Location);

        var job = await response.ReadJsonAsync();
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("The model is down.", job.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task GetJob_UnknownId_Is404Problem()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri($"/jobs/{Guid.NewGuid()}", UriKind.Relative));

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("12345")]
    [InlineData("00000000-0000-0000-0000-00000000000g")]
    [InlineData("%F0%9F%98%80")]
    public async Task GetJob_MalformedId_Is404Problem(string id)
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri($"/jobs/{id}", UriKind.Relative));

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }
}

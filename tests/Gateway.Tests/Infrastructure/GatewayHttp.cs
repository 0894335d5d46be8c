using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>Requests and assertions the gateway tests share.</summary>
internal static class GatewayHttp
{
    /// <summary>Only a guard against a hang; no test waits for time to pass.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The exact members of <c>GET /cache/stats</c>: DESIGN.md's, plus the durable cache's level-1 and level-2 hits
    /// and the entries in storage.
    /// </summary>
    public static readonly string[] StatsFields =
    [
        "size", "max_size", "ttl_seconds", "hits", "misses", "hit_ratio", "memory_mb",
        "evictions", "expirations", "coalesced", "inferences", "inflight", "activations",
        "hits_l1", "hits_l2", "stored_entries", "max_stored_entries", "nodes",
    ];

    public static HttpContent Json(object body) =>
        new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public static HttpRequestMessage PredictRequest(string text, string? model = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/predict")
        {
            Content = model is null ? Json(new { text }) : Json(new { text, model }),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public static Task<HttpResponseMessage> PredictAsync(this HttpClient client, string text, params (string Name, string Value)[] headers) =>
        client.SendAsync(PredictRequest(text, null, headers));

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    public static async Task<JsonElement> GetStatsAsync(this HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/cache/stats", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    /// <summary>
    /// Waits until <c>GET /cache/stats</c> shows <paramref name="field"/> at <paramref name="value"/> (e.g. the expiration
    /// a grain timer's tick counts, a turn Orleans schedules after <c>clock.Advance</c> returns); returns those stats.
    /// </summary>
    public static async Task<JsonElement> WaitForStatsAsync(this HttpClient client, string field, long value)
    {
        var stats = default(JsonElement);
        await WaitUntilAsync(
            async () => (stats = await client.GetStatsAsync()).GetProperty(field).GetInt64() == value,
            $"/cache/stats to show {field} = {value}");
        return stats;
    }

    /// <summary>
    /// The one wait helper: completes once <paramref name="condition"/> holds, checking it again each time the thread pool
    /// comes back to it (no sleep, no timed wait), and fails after <see cref="HangGuard"/> naming <paramref name="what"/>.
    /// For an event the product reports only in its state (a grain turn Orleans schedules on its own).
    /// </summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var started = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            Assert.True(Stopwatch.GetElapsedTime(started) < HangGuard, $"Timed out waiting for {what}.");
            await Task.Yield();
        }
    }

    /// <summary>The single value of a response header (or content header); fails when absent or repeated.</summary>
    public static string Header(this HttpResponseMessage response, string name)
    {
        var found = response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values);
        Assert.True(found, $"The response has no {name} header.");
        return Assert.Single(values!);
    }

    public static bool HasHeader(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out _) || response.Content.Headers.TryGetValues(name, out _);

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/>, a title and a detail; returns its body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var problem = document.RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), body);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), body);
        return problem;
    }

    /// <summary>Awaits the job's completion (or failure) inside the host: no polling.</summary>
    public static async Task<JobRecord> WaitForJobAsync(this GatewayFactory factory, Guid jobId)
    {
        var cache = factory.Services.GetRequiredService<PredictionService>();
        var job = await cache.WaitForJobAsync(jobId, TimeSpan.FromDays(1)).WaitAsync(HangGuard);
        Assert.NotNull(job);
        Assert.True(job.IsFinished, $"Job {jobId} is still {job.Status}.");
        return job;
    }

    /// <summary>A miss that the test then waits out: returns the job id once the entry is stored.</summary>
    public static async Task<Guid> StoreAsync(this GatewayFactory factory, HttpClient client, string text)
    {
        using var response = await client.PredictAsync(text);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var jobId = (await response.ReadJsonAsync()).GetProperty("job_id").GetGuid();
        var job = await factory.WaitForJobAsync(jobId);
        Assert.Equal(JobStatus.Completed, job.Status);
        return jobId;
    }

    /// <summary>The built-in model's contract: exactly sentiment, confidence 0..1 and score -1..1.</summary>
    public static void AssertBuiltinResult(JsonElement result)
    {
        Assert.Equal(["confidence", "score", "sentiment"], result.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Contains(result.GetProperty("sentiment").GetString(), new[] { "positive", "negative", "neutral" });
        Assert.InRange(result.GetProperty("confidence").GetDouble(), 0.0, 1.0);
        Assert.InRange(result.GetProperty("score").GetDouble(), -1.0, 1.0);
    }

    public static void AssertFakeResult(JsonElement result)
    {
        Assert.Equal("positive", result.GetProperty("sentiment").GetString());
        Assert.Equal(0.75, result.GetProperty("confidence").GetDouble());
        Assert.Equal(0.5, result.GetProperty("score").GetDouble());
    }
}

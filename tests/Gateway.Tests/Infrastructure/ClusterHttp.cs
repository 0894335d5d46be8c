using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>A member of the cluster as <c>GET /cluster</c> lists it.</summary>
/// <param name="Address">The silo, <c>ip:port@generation</c>.</param>
/// <param name="Status"><c>active</c>, <c>dead</c>, ...</param>
/// <param name="Misses">The inferences it started; null unless it is active and answered.</param>
internal sealed record ListedNode(string Address, string Status, long? Misses);

/// <summary>
/// Requests the cluster tests make of processes they do not drive: polls of another process's state, and the retries
/// a client of the cluster makes on a <c>503</c>.
/// </summary>
internal static class ClusterHttp
{
    /// <summary>
    /// The pause between two polls of another process: the processes under test share two cores with the test, and a
    /// poll that only yields would take one of them. Also the pause before a retry after a <c>503</c>: shorter than its
    /// <c>Retry-After</c> (1 s), so the tests see how soon the cluster answers again.
    /// </summary>
    private static readonly TimeSpan PollPause = TimeSpan.FromMilliseconds(50);

    /// <summary>Checks <paramref name="condition"/> until it holds; fails after <paramref name="guard"/> naming <paramref name="what"/>.</summary>
    public static async Task PollUntilAsync(Func<Task<bool>> condition, string what, TimeSpan guard)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var started = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            if (Stopwatch.GetElapsedTime(started) > guard)
            {
                throw new TimeoutException($"Waited {guard.TotalSeconds:0} s for {what}.");
            }

            await Task.Delay(PollPause);
        }
    }

    /// <summary>
    /// Sends the request <paramref name="request"/> makes until the answer is not a <c>503</c>, as a client of the cluster
    /// does; each <c>503</c> must be a problem with a <c>Retry-After</c>. Returns the answer and how many <c>503</c>s came
    /// before it; fails after <paramref name="guard"/>.
    /// </summary>
    public static async Task<(HttpResponseMessage Response, int Unavailable)> SendRetryingAsync(
        this HttpClient client, Func<HttpRequestMessage> request, TimeSpan guard)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        for (var unavailable = 0; ; unavailable++)
        {
            using var message = request();
            var response = await client.SendAsync(message);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                return (response, unavailable);
            }

            using (response)
            {
                await AssertRetryableAsync(response);
            }

            if (Stopwatch.GetElapsedTime(started) > guard)
            {
                throw new TimeoutException($"{message.Method} {message.RequestUri} on {client.BaseAddress} still answered 503 after {guard.TotalSeconds:0} s.");
            }

            await Task.Delay(PollPause);
        }
    }

    /// <summary>A <c>503</c> a client may retry: problem+json, and a <c>Retry-After</c> header of whole seconds.</summary>
    public static async Task<JsonElement> AssertRetryableAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.True(
            int.TryParse(response.Header("Retry-After"), System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0,
            $"Retry-After is '{response.Header("Retry-After")}'.");
        return problem;
    }

    /// <summary>The members <c>GET /cluster</c> lists; null when it answers <c>503</c> (the cluster is settling).</summary>
    public static async Task<IReadOnlyList<ListedNode>?> TryGetClusterAsync(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            await AssertRetryableAsync(response);
            return null;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        return [.. body.GetProperty("nodes").EnumerateArray()
            .Select(static n => new ListedNode(
                n.GetProperty("address").GetString()!,
                n.GetProperty("status").GetString()!,
                n.GetProperty("stats") is { ValueKind: JsonValueKind.Object } stats ? stats.GetProperty("misses").GetInt64() : null))];
    }

    /// <summary>
    /// Asks <paramref name="client"/> for <paramref name="text"/> and waits for the answer: with <c>Prefer: wait</c>, then
    /// by polling its job should the wait run out first (a slow machine); <c>503</c>s are retried. Returns the finished
    /// job (<c>job_id</c>, <c>status</c>, <c>result</c>) and how many <c>503</c>s came first; fails on any other answer.
    /// </summary>
    public static async Task<(JsonElement Job, int Unavailable)> PredictAndWaitAsync(this HttpClient client, string text, TimeSpan guard)
    {
        ArgumentNullException.ThrowIfNull(client);
        var (response, unavailable) = await client.SendRetryingAsync(() => GatewayHttp.PredictRequest(text, null, ("Prefer", "wait=30")), guard);
        using (response)
        {
            var body = await response.ReadJsonAsync();
            return response.StatusCode switch
            {
                HttpStatusCode.OK => (body, unavailable),
                HttpStatusCode.Accepted => (await WaitForJobAsync(client, body.GetProperty("job_id").GetGuid(), guard), unavailable),
                _ => throw new InvalidOperationException($"'{text}' on {client.BaseAddress} answered {(int)response.StatusCode}: {body}"),
            };
        }
    }

    /// <summary>
    /// Polls <c>GET /jobs/{id}</c> on <paramref name="client"/> until the job is no longer processing; every answer must be
    /// a <c>200</c> (a <c>503</c> is asked again). Returns the finished job.
    /// </summary>
    public static async Task<JsonElement> WaitForJobAsync(HttpClient client, Guid jobId, TimeSpan guard)
    {
        ArgumentNullException.ThrowIfNull(client);
        var job = default(JsonElement);
        await PollUntilAsync(
            async () =>
            {
                var (response, _) = await client.SendRetryingAsync(() => new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}"), guard);
                using (response)
                {
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /jobs/{jobId} on {client.BaseAddress} is {(int)response.StatusCode}.");
                    job = await response.ReadJsonAsync();
                }

                return job.GetProperty("status").GetString() != "processing";
            },
            $"job {jobId} to finish",
            guard);
        return job;
    }
}

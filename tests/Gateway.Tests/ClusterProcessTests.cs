using System.Diagnostics;
using System.Net;
using System.Text.Json;
using PredictionCache.Gateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PredictionCache.Gateway.Tests;

/// <summary>
/// End to end on clusters of real processes (<see cref="ClusterProcesses"/>): three co-hosted gateways, or a grain tier
/// of two <c>src/Silo</c> processes behind a client gateway, on one Redis and one PostgreSQL, every node calling one fake
/// model server that counts the inferences of the whole cluster. Each test starts its own cluster. What depends on
/// membership (a death declared after missed probes, a node seen joining) is polled under a guard; nothing is asserted
/// on time. The times measured are logged, for the benchmarks.
/// </summary>
public sealed partial class ClusterProcessTests(ITestOutputHelper log)
{
    private const int BurstTexts = 60;

    private static readonly TimeSpan Guard = ClusterProcesses.MembershipGuard;

    [Fact]
    public Task CoHosted_1000IdenticalRequestsRoundRobin_OneInferenceAndOneJobId() =>
        OnClusterAsync(
            () => ClusterProcesses.StartCoHostedAsync(3),
            cluster => AssertDeduplicatedAsync(cluster, 1000, "one input asked a thousand times of three nodes"));

    [Fact]
    public Task GrainTier_300IdenticalRequestsThroughAClientGateway_OneInferenceAndOneJobId() =>
        OnClusterAsync(
            () => ClusterProcesses.StartGrainTierAsync(silos: 2, gateways: 1),
            cluster => AssertDeduplicatedAsync(cluster, 300, "one input asked 300 times of a grain tier"));

    [Fact]
    public Task CoHosted_NodeKilledDuringABurstOfMisses_EveryAcceptedJobIsFoundAndSettled() =>
        OnClusterAsync(() => ClusterProcesses.StartCoHostedAsync(3), KillDuringBurstAsync);

    private async Task KillDuringBurstAsync(ClusterProcesses cluster)
    {
        // Arrange: the model server holds every inference, so no job can finish before the kill.
        var clients = cluster.Clients;
        var survivors = clients.Skip(1).ToArray();
        var doomed = cluster.SiloEndpointOf(0);
        var burst = new MissBurst(clients, "kill burst text");
        cluster.Model.Hold();

        // Act: half the texts, every node accepting its share; once an inference of node 0 is in flight at the model
        // server, the other half, node 0 killed once one of its requests is in flight (its texts then go to a survivor,
        // as a client fails over).
        await burst.SendAsync(0, BurstTexts / 2);
        var acceptedByDoomed = burst.Answers.Where(static a => a.Node == 0).Select(static a => a.Text).ToHashSet(StringComparer.Ordinal);
        await ClusterHttp.PollUntilAsync(
            () => Task.FromResult(cluster.Model.Instances.Any(acceptedByDoomed.Contains)), "an inference of node 0 to reach the model server", GatewayHttp.HangGuard);
        burst.Killing();
        var secondHalf = burst.SendAsync(BurstTexts / 2, BurstTexts);
        await ClusterHttp.PollUntilAsync(
            async () => (await ClusterHttp.TryGetClusterAsync(clients[0]))?.SingleOrDefault(n => n.Address.StartsWith(doomed + "@", StringComparison.Ordinal))
                is { Misses: { } misses } && misses > acceptedByDoomed.Count,
            "a request of the second half to be waiting on node 0",
            Guard);
        var killedAt = Stopwatch.GetTimestamp();
        var exitCode = await cluster.KillAsync(0);
        var settlement = TimeSettlementAsync(survivors[0], burst.Answers.First(static a => a.Node == 0).JobId, killedAt);
        await secondHalf.WaitAsync(Guard);
        var burstAnsweredAfter = Stopwatch.GetElapsedTime(killedAt);
        cluster.Model.Release();

        var found = new List<(HttpStatusCode Status, Answer Answer)>();
        foreach (var answer in burst.Answers)
        {
            foreach (var survivor in survivors)
            {
                var (response, _) = await survivor.SendRetryingAsync(() => new HttpRequestMessage(HttpMethod.Get, $"/jobs/{answer.JobId}"), Guard);
                using (response)
                {
                    found.Add((response.StatusCode, answer));
                }
            }
        }

        var settled = new List<(Answer Answer, JsonElement Job)>();
        foreach (var answer in burst.Answers)
        {
            settled.Add((answer, await ClusterHttp.WaitForJobAsync(survivors[settled.Count % 2], answer.JobId, Guard)));
        }

        var settledAfter = await settlement;

        // The jobs of the requests the kill cut off were never answered: the store shows them settled too.
        await ClusterHttp.PollUntilAsync(async () => await cluster.CountProcessingJobsAsync() == 0, "no job to be processing", Guard);

        var failed = settled.Where(static s => s.Job.GetProperty("status").GetString() == "failed").ToArray();
        var resent = new List<(string Text, JsonElement Job, int Unavailable)>();
        foreach (var (answer, _) in failed)
        {
            var (job, unavailable) = await survivors[resent.Count % 2].PredictAndWaitAsync(answer.Text, Guard);
            resent.Add((answer.Text, job, unavailable));
        }

        log.WriteLine(
            $"{burst.Answers.Count} texts accepted, {burst.Answers.Count(static a => a.Node == 0)} by node 0 before the kill, " +
            $"{burst.CutOff} requests to node 0 cut off in flight, {burst.Rerouted} of node 0's texts sent to a survivor, " +
            $"{burst.Unavailable} 503s retried in the burst, all answered {burstAnsweredAfter.TotalSeconds:0.00} s after the SIGKILL, " +
            $"{resent.Sum(static r => r.Unavailable)} in the resend; node 0's jobs seen settled {settledAfter.TotalSeconds:0.00} s after the SIGKILL.");

        // Assert
        Assert.Equal(137, exitCode);
        Assert.Equal(BurstTexts, burst.Answers.Count);
        Assert.Equal(BurstTexts, burst.Answers.Select(static a => a.Text).Distinct(StringComparer.Ordinal).Count());
        Assert.All(found, static f => Assert.True(f.Status == HttpStatusCode.OK, $"GET /jobs/{f.Answer.JobId} ({f.Answer.Text}) is {(int)f.Status}."));
        Assert.True(burst.Answers.Count(static a => a.Node == 0) >= BurstTexts / 6, "Node 0 accepted too few jobs for the kill to test anything.");
        Assert.True(burst.CutOff >= 1, "No request to node 0 was in flight at the kill.");
        foreach (var (answer, job) in settled)
        {
            var status = job.GetProperty("status").GetString();
            if (answer.Node == 0)
            {
                // Its inference was held until it died: nothing of it was stored.
                Assert.True(status == "failed", $"Job {answer.JobId} of node 0 ({answer.Text}) is {status}.");
                Assert.Contains(doomed + "@", job.GetProperty("error").GetString(), StringComparison.Ordinal);
            }
            else
            {
                Assert.True(status == "completed", $"Job {answer.JobId} of node {answer.Node} ({answer.Text}) is {status}: {job}");
                Assert.Equal(answer.Text, job.GetProperty("result").GetProperty("echo").GetString());
            }
        }

        Assert.Equal(burst.Answers.Count(static a => a.Node == 0), failed.Length);
        Assert.All(resent, static r =>
        {
            Assert.True(r.Job.GetProperty("status").GetString() == "completed", $"'{r.Text}' sent again: {r.Job}");
            Assert.Equal(r.Text, r.Job.GetProperty("result").GetProperty("echo").GetString());
        });
        cluster.AssertAllRunning();
    }

    /// <summary>How long after <paramref name="killedAt"/> a survivor shows job <paramref name="jobId"/> of the killed node finished.</summary>
    private static async Task<TimeSpan> TimeSettlementAsync(HttpClient survivor, Guid jobId, long killedAt)
    {
        await ClusterHttp.WaitForJobAsync(survivor, jobId, Guard);
        return Stopwatch.GetElapsedTime(killedAt);
    }

    [Fact]
    public Task CoHosted_KilledNodeRestartsOnItsPorts_RejoinsAndEarlierKeysAreHitsThroughIt() =>
        OnClusterAsync(() => ClusterProcesses.StartCoHostedAsync(3), KillAndRestartAsync);

    private async Task KillAndRestartAsync(ClusterProcesses cluster)
    {
        // Arrange: keys cached through node 0, so their activations live there.
        var clients = cluster.Clients;
        var endpoint = cluster.SiloEndpointOf(0);
        string[] texts = ["restart key 0", "restart key 1", "restart key 2"];
        var jobIds = new List<Guid>();
        foreach (var text in texts)
        {
            var (job, _) = await clients[0].PredictAndWaitAsync(text, Guard);
            Assert.Equal("completed", job.GetProperty("status").GetString());
            jobIds.Add(job.GetProperty("job_id").GetGuid());
        }

        var inferences = cluster.Model.Instances.Count;

        // Act: kill node 0; a survivor serves one of its keys again; node 0 restarts on its ports.
        var killedAt = Stopwatch.GetTimestamp();
        await cluster.KillAsync(0);
        var (moved, movedUnavailable) = await clients[1].SendRetryingAsync(() => GatewayHttp.PredictRequest(texts[0]), Guard);
        var movedAfter = Stopwatch.GetElapsedTime(killedAt);
        var restartedAt = Stopwatch.GetTimestamp();
        await cluster.RestartAsync(0);
        IReadOnlyList<ListedNode>? members = null;
        await ClusterHttp.PollUntilAsync(
            async () => (members = await ClusterHttp.TryGetClusterAsync(clients[0])) is { } listed && listed.Count(static m => m.Status == "active") == 3,
            "the restarted node to list 3 active silos",
            Guard);
        await cluster.WaitForActiveSilosAsync(3);
        var rejoinedAfter = Stopwatch.GetElapsedTime(restartedAt);
        var hits = new List<(HttpResponseMessage Response, int Unavailable)>();
        foreach (var text in texts)
        {
            hits.Add(await clients[0].SendRetryingAsync(() => GatewayHttp.PredictRequest(text), Guard));
        }

        log.WriteLine(
            $"SIGKILL to the first HIT of a moved key on a survivor: {movedAfter.TotalSeconds:0.00} s ({movedUnavailable} 503s retried); " +
            $"restart to 3 active on every node: {rejoinedAfter.TotalSeconds:0.00} s; {hits.Sum(static h => h.Unavailable)} 503s retried through the restarted node.");

        // Assert
        using (moved)
        {
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
            Assert.Equal("HIT", moved.Header("X-Cache"));
            Assert.Equal(jobIds[0], (await moved.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        }

        Assert.NotNull(members);
        Assert.Equal(3, members.Count(static m => m.Status == "active"));
        var generations = members.Where(m => m.Address.StartsWith(endpoint + "@", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, generations.Length);
        Assert.Single(generations, static m => m.Status == "dead");
        Assert.Single(generations, static m => m.Status == "active");
        for (var i = 0; i < texts.Length; i++)
        {
            using var hit = hits[i].Response;
            Assert.True(hit.StatusCode == HttpStatusCode.OK, $"'{texts[i]}' through the restarted node is {(int)hit.StatusCode}.");
            Assert.Equal("HIT", hit.Header("X-Cache"));
            Assert.Equal(jobIds[i], (await hit.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        }

        Assert.Equal(inferences, cluster.Model.Instances.Count);
        cluster.AssertAllRunning();
    }

    [Fact]
    public Task CoHosted_RedisDown_NewKeysAre503WithRetryAfterAndServeAgainOnceRedisIsBack() =>
        OnClusterAsync(() => ClusterProcesses.StartCoHostedAsync(3), RedisOutageAsync);

    private async Task RedisOutageAsync(ClusterProcesses cluster)
    {
        // Arrange: a key cached through node 0 (its activation, and its published entry, on node 0).
        var clients = cluster.Clients;
        var (cached, _) = await clients[0].PredictAndWaitAsync("cached before the outage", Guard);
        Assert.Equal("completed", cached.GetProperty("status").GetString());

        // Act: Redis goes away; every node is asked for a key it never saw, and node 0 for the cached one.
        await cluster.Redis.StopAsync();
        var outage = new List<(HttpResponseMessage Response, TimeSpan Took)>();
        for (var i = 0; i < clients.Count; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            var response = await clients[i].PredictAsync($"new during the outage on node {i}");
            outage.Add((response, Stopwatch.GetElapsedTime(sent)));
        }

        using var hit = await clients[0].PredictAsync("cached before the outage");
        cluster.AssertAllRunning();

        await cluster.Redis.RestartAsync();
        var restartedAt = Stopwatch.GetTimestamp();
        var after = new List<(JsonElement Job, int Unavailable)>();
        for (var i = 0; i < clients.Count; i++)
        {
            after.Add(await clients[i].PredictAndWaitAsync($"new after the outage on node {i}", Guard));
        }

        var backAfter = Stopwatch.GetElapsedTime(restartedAt);
        log.WriteLine(
            $"503s during the outage took {string.Join(", ", outage.Select(static o => $"{o.Took.TotalSeconds:0.00} s"))}; " +
            $"every node answered new keys again {backAfter.TotalSeconds:0.00} s after Redis restarted ({after.Sum(static a => a.Unavailable)} 503s retried).");

        // Assert
        foreach (var (response, _) in outage)
        {
            using (response)
            {
                var problem = await ClusterHttp.AssertRetryableAsync(response);
                Assert.Equal("Cluster unavailable", problem.GetProperty("title").GetString());
            }
        }

        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal("HIT", hit.Header("X-Cache"));
        Assert.All(after, static a => Assert.True(a.Job.GetProperty("status").GetString() == "completed", $"A new key after the outage: {a.Job}"));
        cluster.AssertAllRunning();
    }

    /// <summary>
    /// Starts a cluster, runs <paramref name="test"/> on it and ends it; the time the start took is logged, and on a
    /// failure what each process printed last.
    /// </summary>
    private async Task OnClusterAsync(Func<Task<ClusterProcesses>> start, Func<ClusterProcesses, Task> test)
    {
        var starting = Stopwatch.GetTimestamp();
        await using var cluster = await start();
        log.WriteLine($"Cluster started in {Stopwatch.GetElapsedTime(starting).TotalSeconds:0.0} s.");
        try
        {
            await test(cluster);
        }
        catch
        {
            log.WriteLine(cluster.Output);
            throw;
        }
    }

    /// <summary>
    /// <paramref name="requests"/> concurrent identical requests spread round robin over the cluster's gateways while the
    /// model server holds the one inference (so each starts it or joins it): one job id in every answer, one inference,
    /// then a hit on every gateway.
    /// </summary>
    private async Task AssertDeduplicatedAsync(ClusterProcesses cluster, int requests, string text)
    {
        var clients = cluster.Clients;
        cluster.Model.Hold();
        var sent = Stopwatch.GetTimestamp();
        var answers = await Task.WhenAll(Enumerable.Range(0, requests).Select(async i =>
        {
            var (response, unavailable) = await clients[i % clients.Count].SendRetryingAsync(() => GatewayHttp.PredictRequest(text), Guard);
            using (response)
            {
                var body = await response.ReadJsonAsync();
                return (response.StatusCode, Cache: response.Header("X-Cache"), JobId: body.GetProperty("job_id").GetGuid(), Unavailable: unavailable);
            }
        }));
        var answeredAfter = Stopwatch.GetElapsedTime(sent);
        cluster.Model.Release();
        var jobIds = answers.Select(static a => a.JobId).Distinct().ToArray();
        var job = await ClusterHttp.WaitForJobAsync(clients[^1], jobIds[0], Guard);
        var hits = new List<(HttpStatusCode Status, string Cache, Guid JobId)>();
        foreach (var client in clients)
        {
            var (response, _) = await client.SendRetryingAsync(() => GatewayHttp.PredictRequest(text), Guard);
            using (response)
            {
                hits.Add((response.StatusCode, response.Header("X-Cache"), (await response.ReadJsonAsync()).GetProperty("job_id").GetGuid()));
            }
        }

        var (statsResponse, _) = await clients[0].SendRetryingAsync(() => new HttpRequestMessage(HttpMethod.Get, "/cache/stats"), Guard);
        JsonElement stats;
        using (statsResponse)
        {
            Assert.Equal(HttpStatusCode.OK, statsResponse.StatusCode);
            stats = await statsResponse.ReadJsonAsync();
        }

        log.WriteLine(
            $"{requests} requests over {clients.Count} gateway(s) answered in {answeredAfter.TotalSeconds:0.00} s, " +
            $"{answers.Sum(static a => a.Unavailable)} 503s retried; coalesced {stats.GetProperty("coalesced").GetInt64()}, " +
            $"model server requests {cluster.Model.Requests}.");

        Assert.All(answers, static a => Assert.Equal((HttpStatusCode.Accepted, "MISS"), (a.StatusCode, a.Cache)));
        Assert.Single(jobIds);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(text, job.GetProperty("result").GetProperty("echo").GetString());
        Assert.Equal(new[] { text }, cluster.Model.Instances);
        Assert.All(hits, h => Assert.Equal((HttpStatusCode.OK, "HIT", jobIds[0]), h));
        Assert.Equal(1, stats.GetProperty("misses").GetInt64());
        Assert.Equal(clients.Count, stats.GetProperty("hits").GetInt64());
        cluster.AssertAllRunning();
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// Issue 10's figures on real processes: three co-hosted gateway nodes (Orleans' Redis membership and grain directory on
/// a throwaway <c>redis-server</c>, level 2 and jobs on a throwaway durable PostgreSQL, one HTTP model served by TestKit's
/// <c>FakeModelServer</c> that all nodes share and that counts every inference):
/// <list type="number">
/// <item>local vs remote hit latency: one client, sequential requests for a key whose activation is on node 1, sent to
/// node 1 (answered from its published entries) and to node 2 (a remote grain call), p50/p99;</item>
/// <item>HIT throughput with wrk: a cluster of one node, then of three (keys warmed round-robin, so each node owns a
/// third and two thirds of its hits are remote calls) with one wrk process per node, 96 connections in all;</item>
/// <item>inferences per 1,000 concurrent identical requests spread round-robin over the three nodes;</item>
/// <item>SIGKILL of the node holding a key and 20 held jobs: time to the first HIT of that key through a survivor, and to
/// the settlement of every one of those jobs (read through a survivor), 3 rounds, the node restarted between them.</item>
/// </list>
/// </summary>
internal static class ClusterScenario
{
    private const int Threads = 1;
    private const int ConnectionsPerNode = 32;

    public static async Task RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var keys = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
        Machine.PrintHeader("cluster");
        await using var redis = await RedisServer.StartAsync();
        await using var postgres = await PostgresServer.StartAsync(new PostgresServerOptions { Durable = true });
        var database = await postgres.CreateDatabaseAsync();
        await using var model = await FakeModelServer.StartAsync();
        string[] shared =
        [
            "--Orleans:Clustering:ProviderType=Redis",
            $"--Orleans:Clustering:ConnectionString={redis.ConnectionString}",
            "--Orleans:Endpoints:AdvertisedIPAddress=127.0.0.1",
            "--Storage:Provider=postgres",
            $"--Storage:ConnectionString={database}",
            "--Models:0:Name=bench",
            "--Models:0:Backend=http",
            $"--Models:0:BaseUrl={model.BaseUrl}",
            "--Models:0:MaxConcurrency=64",
            "--Models:0:MaxQueueLength=100000",
        ];
        var siloPorts = Enumerable.Range(0, 3).Select(_ => FreePorts.Next()).ToArray();
        var nodes = new GatewayProcess[3];
        try
        {
            nodes[0] = await StartNodeAsync(shared, siloPorts[0]);
            await WaitForActiveNodesAsync(nodes[0], 1);
            await ThroughputAsync([nodes[0]], seconds, keys, "1 node (a cluster of one; every hit local)");
            for (var i = 1; i < 3; i++)
            {
                nodes[i] = await StartNodeAsync(shared, siloPorts[i]);
            }

            await WaitForActiveNodesAsync(nodes[0], 3);
            Console.WriteLine($"3 nodes up; load {Machine.Load()}");
            await ThroughputAsync(nodes, seconds, keys, "3 co-hosted nodes (one wrk each; each node owns a third of the keys, 2/3 of its hits are remote calls)");
            await LatencyAsync(nodes);
            await DedupAsync(nodes, model);
            for (var round = 1; round <= 3; round++)
            {
                nodes[2] = await FailoverAsync(nodes, model, round, () => StartNodeAsync(shared, siloPorts[2]));
            }
        }
        finally
        {
            foreach (var node in nodes.Where(n => n is not null))
            {
                await node.DisposeAsync();
            }
        }
    }

    private static Task<GatewayProcess> StartNodeAsync(string[] shared, int siloPort) =>
        GatewayProcess.StartReadyAsync([.. shared, $"--Orleans:Endpoints:SiloPort={siloPort}", "--Orleans:Endpoints:GatewayPort=0"]);

    private static async Task LatencyAsync(GatewayProcess[] nodes)
    {
        const string text = "latency probe, active on node 1";
        (await nodes[0].PredictAsync(text, wait: true)).Dispose();
        foreach (var (node, name) in new[] { (nodes[0], "local (node 1, published entry)"), (nodes[1], "remote (node 2 → node 1, grain call)") })
        {
            var times = new double[2_000];
            for (var i = -200; i < times.Length; i++)
            {
                var watch = Stopwatch.StartNew();
                using var response = await node.PredictAsync(text, wait: false);
                var elapsed = watch.Elapsed.TotalMilliseconds;
                if (GatewayProcess.Header(response, "X-Cache") != "HIT")
                {
                    throw new InvalidOperationException($"Expected a HIT, got {(int)response.StatusCode} {GatewayProcess.Header(response, "X-Cache")}.");
                }

                if (i >= 0)
                {
                    times[i] = elapsed;
                }
            }

            Array.Sort(times);
            Console.WriteLine($"RESULT hit latency {name}: p50 {times[times.Length / 2]:0.000} ms, p99 {times[(int)(times.Length * 0.99)]:0.000} ms ({times.Length} sequential requests, one client)");
        }
    }

    private static async Task ThroughputAsync(GatewayProcess[] nodes, int seconds, int keys, string what)
    {
        var texts = Enumerable.Range(0, keys).Select(i => $"throughput key {nodes.Length}/{i}").ToArray();
        var file = Path.GetTempFileName();
        await File.WriteAllLinesAsync(file, texts);
        try
        {
            // Warmed round-robin: each node owns an equal share of the keys (prediction grains prefer the silo of their first call).
            await Task.WhenAll(texts.Select(async (t, i) => (await nodes[i % nodes.Length].PredictAsync(t, wait: true)).Dispose()));
            var connections = ConnectionsPerNode * 3 / nodes.Length;
            var result = await WrkAsync(nodes, file, seconds, connections);
            Console.WriteLine(
                $"RESULT HIT throughput through {what}: {result.Rate:N0} req/s (sum), p50 {result.P50:0.00} ms, p99 {result.P99:0.00} ms (worst node); " +
                $"{nodes.Length} wrk -t{Threads} -c{connections} -d{seconds}s over {keys} keys; load {Machine.Load()}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task DedupAsync(GatewayProcess[] nodes, FakeModelServer model)
    {
        for (var run = 1; run <= 3; run++)
        {
            var before = model.Instances.Count;
            var text = $"one thousand of the same {run}";
            var answers = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(async i =>
            {
                for (var attempt = 0; ; attempt++)
                {
                    using var response = await nodes[i % 3].PredictAsync(text, wait: false);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 10)
                    {
                        continue;
                    }

                    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    return body.RootElement.GetProperty("job_id").GetString();
                }
            }));
            await WaitUntilAsync(() => model.Instances.Count > before, TimeSpan.FromSeconds(30));
            Console.WriteLine($"RESULT 1,000 identical requests over 3 nodes (run {run}): {model.Instances.Count - before} inference(s), {answers.Distinct().Count()} job id(s)");
        }
    }

    private static async Task<GatewayProcess> FailoverAsync(GatewayProcess[] nodes, FakeModelServer model, int round, Func<Task<GatewayProcess>> restart)
    {
        var victim = nodes[2];
        var key = $"moved key {round}";
        (await victim.PredictAsync(key, wait: true)).Dispose();
        model.Hold();
        var jobs = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            using var miss = await victim.PredictAsync($"held job {round}/{i}", wait: false);
            using var body = JsonDocument.Parse(await miss.Content.ReadAsStringAsync());
            jobs.Add(body.RootElement.GetProperty("job_id").GetString()!);
        }

        await WaitUntilAsync(() => model.Requests > 0 || model.Instances.Count > 0, TimeSpan.FromSeconds(10));
        var survivor = nodes[0];
        var clock = Stopwatch.StartNew();
        await victim.DisposeAsync();
        var hit = TimeToAsync(clock, async () =>
        {
            using var response = await survivor.PredictAsync(key, wait: false);
            return GatewayProcess.Header(response, "X-Cache") == "HIT";
        });
        var settled = TimeToAsync(clock, async () =>
        {
            foreach (var job in jobs)
            {
                using var response = await survivor.Client.GetAsync(new Uri($"/jobs/{job}", UriKind.Relative));
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                if (body.RootElement.GetProperty("status").GetString() == "processing")
                {
                    return false;
                }
            }

            return true;
        });
        var (hitAfter, settledAfter) = (await hit, await settled);
        model.Release();
        Console.WriteLine($"RESULT SIGKILL round {round}: first HIT of the moved key after {hitAfter.TotalMilliseconds:N0} ms, all 20 held jobs settled after {settledAfter.TotalMilliseconds:N0} ms; load {Machine.Load()}");
        var restarted = await restart();
        await WaitForActiveNodesAsync(restarted, 3);
        return restarted;
    }

    private static async Task<TimeSpan> TimeToAsync(Stopwatch clock, Func<Task<bool>> done)
    {
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            try
            {
                if (await done())
                {
                    return clock.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
                // A survivor still reaching for the dead node: try again.
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("Not within 120 s.");
    }

    private static async Task WaitForActiveNodesAsync(GatewayProcess node, int count)
    {
        var clock = Stopwatch.StartNew();
        await TimeToAsync(clock, async () =>
        {
            using var response = await node.Client.GetAsync(new Uri("/cluster", UriKind.Relative));
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }

            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return body.RootElement.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("status").GetString() == "active") == count;
        });
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < limit)
        {
            await Task.Delay(10);
        }
    }

    /// <summary>One wrk per target at once; the rates summed, the worst node's latencies.</summary>
    private static async Task<(double Rate, double P50, double P99)> WrkAsync(GatewayProcess[] targets, string texts, int seconds, int connections)
    {
        var results = await Task.WhenAll(targets.Select(async target =>
        {
            var result = await Wrk.RunAsync(target.Address, texts, Threads, connections, $"{seconds}s");
            if (result.NonSuccess != 0)
            {
                Console.WriteLine($"  wrk against {target.Address}: {result.NonSuccess} non-2xx answers");
            }

            return result;
        }));
        return (results.Sum(static r => r.Rate), results.Max(static r => r.P50), results.Max(static r => r.P99));
    }
}

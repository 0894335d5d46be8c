using System.Diagnostics;
using System.Globalization;
using PredictionCache.Benchmarks.Hosting;
using PredictionCache.Grains.Jobs;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// Upstream requests per N distinct concurrent misses of one HTTP model (KServe V1, against the loopback
/// <see cref="FakeModelServer"/>), with batching off (<c>MaxBatchSize</c> 1) and on (32, 5 ms), at two model
/// latencies. Every job must complete with its own answer. Hosted by TestKit's <c>CacheCluster</c> (one silo).
/// </summary>
internal static class BatchingScenario
{
    public static async Task<bool> RunAsync(string[] args)
    {
        var misses = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
        Machine.PrintHeader($"batching: {misses} distinct concurrent misses, MaxConcurrency {concurrency}");
        // One discarded run first: the first host pays for JIT compilation, which would inflate its wall time.
        Console.Write("(warm-up) ");
        await RunOnceAsync(Math.Min(misses, 200), concurrency, 0, 1, 0);
        var pass = true;
        foreach (var latencyMs in new[] { 0, 5 })
        {
            foreach (var (batchSize, delayMs) in new[] { (1, 0), (32, 5) })
            {
                pass &= await RunOnceAsync(misses, concurrency, latencyMs, batchSize, delayMs);
            }
        }

        Console.WriteLine($"RESULT batching: {(pass ? "PASS" : "MISS")}");
        return pass;
    }

    private static async Task<bool> RunOnceAsync(int misses, int concurrency, int latencyMs, int batchSize, int delayMs)
    {
        await using var server = await FakeModelServer.StartAsync();
        server.Latency = TimeSpan.FromMilliseconds(latencyMs);
        var settings = new Dictionary<string, string?>
        {
            ["Models:0:Name"] = "bench",
            ["Models:0:Backend"] = "http",
            ["Models:0:BaseUrl"] = server.BaseUrl.ToString(),
            ["Models:0:MaxConcurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
            ["Models:0:MaxQueueLength"] = "100000",
            ["Models:0:MaxBatchSize"] = batchSize.ToString(CultureInfo.InvariantCulture),
            ["Models:0:MaxDelayMs"] = delayMs.ToString(CultureInfo.InvariantCulture),
        };
        await using var host = await BenchCluster.StartAsync(null, maxEntries: 100_000, settings: settings);
        var cache = host.Predictions;
        var jobs = host.Jobs;
        var model = cache.Models.DefaultModel;
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        var asking = Enumerable.Range(0, misses)
            .Select(i => Task.Run(async () =>
            {
                await go.Task;
                var text = $"batching bench text {i}";
                return await cache.PredictAsync(model, text, text, default);
            }))
            .ToArray();
        go.SetResult();
        var outcomes = await Task.WhenAll(asking);
        var finished = await Task.WhenAll(outcomes.Select(o => jobs.WaitAsync(o.JobId, BenchCluster.JobTimeout)));
        clock.Stop();

        var completed = finished.Count(j => j?.Status == JobStatus.Completed);
        var own = finished.Count(j => j is not null && j.Result?.ToString() == $$"""{"echo":"{{j.InputText}}"}""");
        var sizes = server.BatchSizes.ToArray();
        var pass = completed == misses && own == misses && sizes.Sum() == misses;
        Console.WriteLine(
            $"latency {latencyMs} ms, MaxBatchSize {batchSize,2}, MaxDelayMs {delayMs}: {misses} misses -> {server.Requests} upstream requests " +
            $"(mean batch {sizes.Average():0.0}, max {sizes.Max()}); {completed} jobs completed, {own} with their own answer; " +
            $"{clock.Elapsed.TotalMilliseconds:N0} ms; {(pass ? "PASS" : "MISS")}");
        return pass;
    }
}

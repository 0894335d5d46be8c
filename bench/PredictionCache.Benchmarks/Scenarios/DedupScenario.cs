using System.Diagnostics;
using System.Globalization;
using PredictionCache.Benchmarks.Hosting;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// Target (d): 1,000 concurrent identical misses run exactly one inference under one job id. Two runs: with the
/// inference held open (TestKit's gated fake) until every caller has its answer, so all of them overlap the one in
/// flight (1 started, 999 joined); and with the fake answering at once and all callers released together (late
/// callers may hit the stored entry instead, under the same job id).
/// </summary>
internal static class DedupScenario
{
    public static async Task<bool> RunAsync(string[] args)
    {
        var callers = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        Machine.PrintHeader("dedup: concurrent identical misses");
        var backend = new FakeInferenceBackend(gated: true, answer: static _ => BenchCluster.AnswerJson);
        await using var host = await BenchCluster.StartAsync(backend, maxEntries: 10_000);
        var held = await RunOnceAsync(host, backend, callers, "dedup bench text, inference held open", hold: true);
        var instant = await RunOnceAsync(host, backend, callers, "dedup bench text, instant inference", hold: false);
        var pass = held && instant;
        Console.WriteLine($"RESULT dedup: {(pass ? "PASS" : "MISS")}");
        return pass;
    }

    private static async Task<bool> RunOnceAsync(CacheCluster host, FakeInferenceBackend backend, int callers, string text, bool hold)
    {
        if (hold)
        {
            backend.Hold();
        }
        else
        {
            backend.Release();
        }

        var cache = host.Predictions;
        var model = cache.Models.DefaultModel;
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callsBefore = backend.Calls;
        var clock = Stopwatch.StartNew();

        var asking = Enumerable.Range(0, callers)
            .Select(_ => Task.Run(async () =>
            {
                await go.Task;
                return await cache.PredictAsync(model, text, text, default);
            }))
            .ToArray();
        go.SetResult();
        var outcomes = await TestWait.ForAsync(Task.WhenAll(asking), $"{callers} callers to be answered");
        backend.Release();
        var jobs = await Task.WhenAll(outcomes.Select(o => host.Jobs.WaitAsync(o.JobId, BenchCluster.JobTimeout)));
        clock.Stop();

        var inferences = backend.Calls - callsBefore;
        var statuses = string.Join(", ", outcomes.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));
        var jobIds = outcomes.Select(o => o.JobId).Distinct().Count();
        var completed = jobs.Count(j => j?.Status == JobStatus.Completed);
        var pass = inferences == 1
            && jobIds == 1
            && completed == callers
            && (!hold || outcomes.Count(o => o.Status == PredictionStatus.Started) == 1);
        Console.WriteLine(
            $"{(hold ? "held   " : "instant")}: {callers} concurrent callers -> {inferences} inference(s), {jobIds} distinct job id(s); " +
            $"outcomes: {statuses}; {completed} jobs completed; {clock.Elapsed.TotalMilliseconds:N1} ms; {(pass ? "PASS" : "MISS")}");
        return pass;
    }
}

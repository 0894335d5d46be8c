using System.Diagnostics;
using System.Globalization;
using PredictionCache.Benchmarks.Hosting;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// Target (d): 1,000 concurrent identical misses run exactly one inference. Two runs: with the inference held
/// open until every caller has its answer (all 1,000 overlap the one in flight: 1 started, 999 joined), and with
/// the instant backend and all callers released at once (late callers may hit the stored entry instead).
/// </summary>
internal static class DedupScenario
{
    public static async Task<bool> RunAsync(string[] args)
    {
        var callers = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        Machine.PrintHeader("dedup: concurrent identical misses");
        await using var host = await CacheHost.StartAsync(maxEntries: 10_000);
        var held = await RunOnceAsync(host, callers, "dedup bench text, inference held open", hold: true);
        var instant = await RunOnceAsync(host, callers, "dedup bench text, instant inference", hold: false);
        var pass = held && instant;
        Console.WriteLine($"RESULT dedup: {(pass ? "PASS" : "MISS")}");
        return pass;
    }

    private static async Task<bool> RunOnceAsync(CacheHost host, int callers, string text, bool hold)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Backend.Hold = hold ? release.Task : null;
        var callsBefore = host.Backend.Calls;
        var clock = Stopwatch.StartNew();

        var asking = Enumerable.Range(0, callers)
            .Select(_ => Task.Run(async () =>
            {
                await go.Task;
                return await host.Cache.PredictAsync(FakeInferenceBackend.Descriptor, text, text, default);
            }))
            .ToArray();
        go.SetResult();
        var outcomes = await Task.WhenAll(asking);
        release.SetResult();
        var jobs = await Task.WhenAll(outcomes.Select(o => host.Jobs.WaitAsync(o.JobId, CacheHost.JobTimeout)));
        clock.Stop();

        var inferences = host.Backend.Calls - callsBefore;
        var kinds = string.Join(", ", outcomes.GroupBy(o => o.Kind).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));
        var jobIds = outcomes.Select(o => o.JobId).Distinct().Count();
        var completed = jobs.Count(j => j?.Status == JobStatus.Completed);
        var pass = inferences == 1
            && jobIds == 1
            && completed == callers
            && (!hold || outcomes.Count(o => o.Kind == PredictOutcomeKind.Started) == 1);
        Console.WriteLine(
            $"{(hold ? "held   " : "instant")}: {callers} concurrent callers -> {inferences} inference(s); outcomes: {kinds}; " +
            $"{jobIds} distinct job id(s); {completed} jobs completed; {clock.Elapsed.TotalMilliseconds:N1} ms; {(pass ? "PASS" : "MISS")}");
        return pass;
    }
}

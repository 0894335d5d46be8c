using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using PredictionCache.Benchmarks.Hosting;
using PredictionCache.Grains.Prediction;
using PredictionCache.Silo.Storage;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// Issue 3's storage figures, each on SQLite (a file under the temp folder) and on PostgreSQL (a throwaway durable
/// server, fsync on): level-2 hit latency against level-1 hit latency; sustained distinct-miss throughput with the
/// memory provider as the baseline of the same run; and the figures of group commit (writes per transaction).
/// Hosted by TestKit's <c>CacheCluster</c> (one silo, system clock) with TestKit's fake model answering at once.
/// </summary>
internal static class StorageScenario
{
    public static async Task RunAsync(string[] args)
    {
        var keys = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2_000;
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        Machine.PrintHeader("storage: level-2 hits and sustained misses");
        await using var postgres = await PostgresServer.StartAsync(new PostgresServerOptions { Durable = true });
        await using (var sqlite = await TestDatabase.CreateAsync(TestDatabase.Sqlite))
        {
            await LevelTwoHitsAsync("sqlite", sqlite.ConnectionString, keys);
        }

        await LevelTwoHitsAsync("postgres", await postgres.CreateDatabaseAsync(), keys);
        await MissesAsync("memory", null, seconds);
        await using (var sqlite = await TestDatabase.CreateAsync(TestDatabase.Sqlite))
        {
            await MissesAsync("sqlite", sqlite.ConnectionString, seconds);
        }

        await MissesAsync("postgres", await postgres.CreateDatabaseAsync(), seconds);
    }

    private static Task<CacheCluster> StartAsync(FakeInferenceBackend backend, int maxEntries, string provider, string? connectionString) =>
        BenchCluster.StartAsync(backend, maxEntries, storage: (provider, connectionString));

    /// <summary>
    /// Stores <paramref name="keys"/> entries, then times one request per key three ways: a level-1 hit (grain in
    /// memory), a level-2 hit (grain deactivated first, so the request activates it and reads its row), and the
    /// level-1 hit again. Requests are sequential, so each latency is one request alone.
    /// </summary>
    private static async Task LevelTwoHitsAsync(string provider, string connectionString, int keys)
    {
        var backend = BenchCluster.InstantBackend();
        await using var host = await StartAsync(backend, keys * 2, provider, connectionString);
        var texts = Enumerable.Range(0, keys).Select(i => $"storage bench {provider} {i}").ToArray();
        await BenchCluster.InsertRangeAsync(host, i => texts[i], 0, keys, workers: 16);

        var l1 = await TimeHitsAsync(host, texts);
        foreach (var text in texts)
        {
            await host.Primary.GrainOf(text).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        }

        await host.Changes.WaitUntilAsync(() => host.PredictionActivations == 0, "every prediction grain to deactivate");

        var storageHitsBefore = host.Statistics.StorageHits;
        var l2 = await TimeHitsAsync(host, texts);
        var storageHits = host.Statistics.StorageHits - storageHitsBefore;
        var l1Again = await TimeHitsAsync(host, texts);
        Console.WriteLine(
            $"{provider,-8} L1 hit   {Describe(l1)}\n" +
            $"{provider,-8} L2 hit   {Describe(l2)}  ({storageHits} of {keys} counted as level-2 hits; {backend.Calls - keys} inferences)\n" +
            $"{provider,-8} L1 again {Describe(l1Again)}\n" +
            $"RESULT l2hit {provider}: L2/L1 median {Percentile(l2, 0.5) / Percentile(l1Again, 0.5):N0}x, L2 p50 {Percentile(l2, 0.5):N1} us, p99 {Percentile(l2, 0.99):N1} us");
    }

    private static async Task<double[]> TimeHitsAsync(CacheCluster host, string[] texts)
    {
        var cache = host.Predictions;
        var model = cache.Models.DefaultModel;
        var micros = new double[texts.Length];
        for (var i = 0; i < texts.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var outcome = await cache.PredictAsync(model, texts[i], texts[i], default);
            micros[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            if (outcome.Status != PredictionStatus.Hit)
            {
                throw new InvalidOperationException($"'{texts[i]}' was {outcome.Status}, not a hit.");
            }
        }

        return micros;
    }

    /// <summary>
    /// Distinct misses for <paramref name="seconds"/> from 64 concurrent clients, each waiting for its job: every
    /// miss writes a job row, an entry row and the job's completion. Reports misses per second and, for SQL, the
    /// writer's commits (group commit puts many writes in one transaction and one fsync).
    /// </summary>
    private static async Task MissesAsync(string provider, string? connectionString, double seconds)
    {
        await using var host = await StartAsync(BenchCluster.InstantBackend(), 10_000_000, provider, connectionString);
        var database = provider == "memory" ? null : host.Services.GetRequiredService<StorageDatabase>();
        var cache = host.Predictions;
        var model = cache.Models.DefaultModel;
        var commitsBefore = database?.Commits ?? 0;
        long next = -1;
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                await BenchCluster.InsertAsync(cache, host.Jobs, model, $"miss bench {provider} {Interlocked.Increment(ref next)}");
            }
        })).ToArray();
        await Task.WhenAll(workers);
        clock.Stop();
        var misses = next + 1;
        var commits = (database?.Commits ?? 0) - commitsBefore;
        var perCommit = commits == 0 ? "" : $"; {commits:N0} commits, {misses * 3.0 / commits:N1} writes per commit";
        Console.WriteLine($"RESULT misses {provider}: {misses / clock.Elapsed.TotalSeconds:N0} misses/s ({misses:N0} in {clock.Elapsed.TotalSeconds:N1} s{perCommit})");
    }

    private static string Describe(double[] micros) =>
        $"p50 {Percentile(micros, 0.5),8:N1} us  p90 {Percentile(micros, 0.9),8:N1} us  p99 {Percentile(micros, 0.99),8:N1} us  mean {micros.Average(),8:N1} us";

    private static double Percentile(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}

using BenchmarkDotNet.Running;
using PredictionCache.Benchmarks.Hits;
using PredictionCache.Benchmarks.Memory;
using PredictionCache.Benchmarks.Scenarios;

namespace PredictionCache.Benchmarks;

/// <summary>
/// <c>hit</c> runs the BenchmarkDotNet part (target a); <c>evict</c>, <c>memory</c> and <c>dedup</c> run the
/// Stopwatch scenarios (targets b, c, d); <c>storage</c>, <c>restart</c>, <c>batching</c>, <c>startup</c>, <c>scrape</c> and <c>cluster</c>
/// the storage, process, HTTP and cluster figures; <c>all</c> runs hit, evict, memory and dedup in that order; <c>bdn ...</c> hands
/// the rest of the arguments to BenchmarkSwitcher.
/// </summary>
internal static class BenchmarkProgram
{
    private const string Usage = """
        usage: PredictionCache.Benchmarks hit|evict|memory|dedup|storage|restart|startup|batching|scrape|cluster|all|bdn [options]
          hit    [BenchmarkDotNet arguments]    PredictionService hit vs ConcurrentDictionary (HIT_INSTRUMENTATION=off|on|on+listener)
          evict  [inserts=600000] [capacities=10000,1000000]
          memory [entries=100000,1000000]   bytes per cached entry vs a bare Orleans activation
          dedup  [callers=1000]
          storage [keys=2000] [seconds=5]   level-2 vs level-1 hits; sustained misses on memory, SQLite, PostgreSQL
          restart [rows=1000000]            gateway process restart-to-ready with that many stored entries
          startup [seconds=30] [folder]     wrk hits per second in each of the first seconds of a gateway process (of folder: a publish output; default the Release build) vs steady state
          batching [misses=1000] [concurrency=8]  upstream requests per distinct concurrent misses, batching off vs on
          scrape [series=10000] [scrapes=50]  /metrics cost: OpenTelemetry's Prometheus exporter vs prometheus-net
          cluster [seconds=10] [keys=300]    3 nodes on Redis + PostgreSQL: local vs remote hit latency, HIT throughput 1 vs 3 nodes, dedup over nodes, SIGKILL to first HIT and to job settlement
          bdn    any BenchmarkDotNet arguments (e.g. --filter *Hit*)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var scenario = args.Length > 0 ? args[0] : "all";
        var rest = args.Skip(1).ToArray();
        switch (scenario)
        {
            case "hit":
                BenchmarkRunner.Run<HitBenchmarks>(args: rest);
                return 0;
            case "bdn":
                BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(rest);
                return 0;
            case "evict":
                await EvictionScenario.RunAsync(rest);
                return 0;
            case "memory":
                await MemoryScenario.RunAsync(rest);
                return 0;
            case "dedup":
                return await DedupScenario.RunAsync(rest) ? 0 : 1;
            case "storage":
                await StorageScenario.RunAsync(rest);
                return 0;
            case "batching":
                return await BatchingScenario.RunAsync(rest) ? 0 : 1;
            case "restart":
                await RestartScenario.RunAsync(rest);
                return 0;
            case "scrape":
                await ScrapeScenario.RunAsync(rest);
                return 0;
            case "cluster":
                await ClusterScenario.RunAsync(rest);
                return 0;
            case "startup":
                return await StartupScenario.RunAsync(rest) ? 0 : 1;
            case "all":
                BenchmarkRunner.Run<HitBenchmarks>();
                await EvictionScenario.RunAsync([]);
                await MemoryScenario.RunAsync([]);
                return await DedupScenario.RunAsync([]) ? 0 : 1;
            default:
                await Console.Error.WriteLineAsync(Usage);
                return 2;
        }
    }
}

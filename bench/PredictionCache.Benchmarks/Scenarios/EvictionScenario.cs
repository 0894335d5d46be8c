using System.Diagnostics;
using System.Globalization;
using PredictionCache.Benchmarks.Hosting;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// Target (b): insert-with-eviction throughput at two capacities. Each run pre-fills the cache to capacity, then
/// inserts new distinct keys through <c>PredictionService.PredictAsync</c> with the instant fake backend, each one
/// evicting the coldest entry. An insert completes when its job completes (the entry is stored and registered by
/// then); the clock stops when the directory is back at capacity and every victim's activation is gone (its one-way
/// <c>EvictAsync</c> taken and its deactivation finished), waited for on the cluster's change signal, not on time.
/// Hosted by TestKit's <c>CacheCluster</c> (one silo) with the system clock, directory shards one per processor.
/// </summary>
internal static class EvictionScenario
{
    private const int Workers = 64;

    public static async Task RunAsync(string[] args)
    {
        // 600,000: with fewer, the 10k phase (measured first) still carries JIT warm-up and the ratio reads high.
        var inserts = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 600_000;
        int[] capacities = args.Length > 1
            ? [.. args[1].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))]
            : [10_000, 1_000_000];
        Machine.PrintHeader("evict: insert-with-eviction throughput");
        Console.WriteLine($"{inserts:N0} measured inserts per capacity, {Workers} in flight, Inference:MaxConcurrency 1024");

        // Warm-up: JIT tiering settles before the first measured capacity, so the runs compare like with like (smaller
        // for a small run, which checks the scenario works rather than measuring).
        _ = await MeasureAsync(capacity: (int)Math.Min(10_000, inserts), inserts: Math.Min(50_000, inserts), print: false);

        var rates = new List<(int Capacity, double Rate, double CpuRate)>();
        foreach (var capacity in capacities)
        {
            var (rate, cpuRate) = await MeasureAsync(capacity, inserts, print: true);
            rates.Add((capacity, rate, cpuRate));
        }

        if (rates.Count >= 2)
        {
            var ratio = rates[^1].Rate / rates[0].Rate;
            Console.WriteLine($"RESULT evict: {rates[^1].Capacity:N0} / {rates[0].Capacity:N0} = {ratio:P1} (target >= 80%): {(ratio >= 0.8 ? "PASS" : "MISS")}; " +
                $"per CPU-second (less sensitive to other load on the machine) {rates[^1].CpuRate / rates[0].CpuRate:P1}");
        }
    }

    private static async Task<(double Rate, double CpuRate)> MeasureAsync(int capacity, long inserts, bool print)
    {
        var backend = BenchCluster.InstantBackend();
        var host = await BenchCluster.StartAsync(backend, capacity);
        try
        {
            return await MeasureAsync(host, backend, capacity, inserts, print);
        }
        finally
        {
            await BenchCluster.KillAsync(host);
        }
    }

    private static async Task<(double Rate, double CpuRate)> MeasureAsync(CacheCluster host, FakeInferenceBackend backend, int capacity, long inserts, bool print)
    {
        var clock = Stopwatch.StartNew();
        var first = await FillAsync(host, capacity);
        var prefill = clock.Elapsed;
        var prefillEvictions = host.Statistics.Evictions;
        var prefillCalls = backend.Calls;

        _ = Machine.LiveHeapBytes();
        var heap = GC.GetTotalMemory(false);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var pause = GC.GetTotalPauseDuration();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;

        clock.Restart();
        await BenchCluster.InsertRangeAsync(host, Text, first, first + inserts, Workers);
        await BenchCluster.SettleAsync(host, capacity);
        clock.Stop();
        var cpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        var rate = inserts / clock.Elapsed.TotalSeconds;
        var cpuRate = inserts / cpuTime.TotalSeconds;
        var evictions = host.Statistics.Evictions - prefillEvictions;
        var calls = backend.Calls - prefillCalls;
        if (evictions != inserts || host.Statistics.Size != capacity || calls != inserts)
        {
            throw new InvalidOperationException(
                $"Expected {inserts} evictions, size {capacity}, {inserts} inferences; got {evictions}, {host.Statistics.Size}, {calls}.");
        }

        if (print)
        {
            Console.WriteLine(
                $"capacity {capacity,9:N0}: prefill {prefill.TotalSeconds,6:0.0} s ({first:N0} keys, {prefillEvictions:N0} evicted early; heap {Machine.Mb(heap)}) | " +
                $"{inserts:N0} inserts in {clock.Elapsed.TotalSeconds:0.00} s = {rate,8:N0} inserts/s | " +
                $"{(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)inserts:N0} B allocated/insert | " +
                $"GCs gen0/1/2 {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}, " +
                $"pause {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:N0} ms ({(GC.GetTotalPauseDuration() - pause) / clock.Elapsed:P1}); " +
                $"outside GC pauses {inserts / (clock.Elapsed - (GC.GetTotalPauseDuration() - pause)).TotalSeconds:N0} inserts/s | " +
                $"CPU {cpuTime.TotalSeconds:0.00} s = {cpuRate:N0} inserts per CPU-second");
            var last = GC.GetGCMemoryInfo(GCKind.Ephemeral);
            Console.WriteLine(
                $"    last ephemeral GC: gen{last.Generation}, promoted {Machine.Mb(last.PromotedBytes)}, pause {last.PauseDurations[0].TotalMilliseconds:N0} ms, " +
                $"heap {Machine.Mb(last.HeapSizeBytes)}, pinned {last.PinnedObjectsCount}");
        }

        return (rate, cpuRate);
    }

    /// <summary>
    /// Fills the cache until the directory holds <paramref name="capacity"/> keys; returns the next unused text index.
    /// Capacity is split evenly over the directory shards and keys do not split evenly, so a shard that fills first
    /// evicts before the cache as a whole is full: it takes some keys more than the capacity.
    /// </summary>
    private static async Task<long> FillAsync(CacheCluster host, int capacity)
    {
        long next = 0;
        var missing = (long)capacity;
        while (missing > 0)
        {
            await BenchCluster.InsertRangeAsync(host, Text, next, next + missing, Workers);
            next += missing;
            await host.Changes.WaitUntilAsync(() => host.PredictionActivations == host.Statistics.Size, "the prefill's evictions to finish");
            missing = capacity - host.Statistics.Size;
        }

        return next;
    }

    private static string Text(long i) => string.Create(CultureInfo.InvariantCulture, $"eviction bench text {i}");
}

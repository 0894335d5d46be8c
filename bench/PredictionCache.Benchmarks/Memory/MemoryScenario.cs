using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using PredictionCache.Benchmarks.Hosting;
using PredictionCache.Benchmarks.Scenarios;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Models;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Memory;

/// <summary>
/// Target (c): heap bytes per cached entry beyond its payload, against a bare Orleans activation measured the same way
/// in the same kind of host. For each size (default 100,000 and 1,000,000): a silo of TestKit's <c>CacheCluster</c>
/// activates that many <see cref="BareGrain"/>s (keys like cache keys, 64 hex chars); a second one holds that many
/// cache entries (memory storage, nothing evicted). Each figure is the live heap (three full compacting collections)
/// after minus before, per activation. From the cache's figure come off: the payload and the normalized text; the
/// test fake's log of its inputs (cleared, then measured again); the job store's finished jobs (swept once the clock
/// is moved past their retention); the memory storage provider's table (emptied through reflection), which a durable
/// deployment keeps in its database instead. Both silos run without TestKit's activation tracker (it keeps a dictionary
/// entry and a lifecycle observer per activation), on the system clock.
/// </summary>
internal static class MemoryScenario
{
    private const int Workers = 64;

    public static async Task RunAsync(string[] args)
    {
        int[] sizes = args.Length > 0
            ? [.. args[0].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]
            : [100_000, 1_000_000];
        Machine.PrintHeader("memory: bytes per cached entry beside a bare Orleans activation");
        var results = new List<string>();
        foreach (var size in sizes)
        {
            var bare = await MeasureBareAsync(size);
            var cached = await MeasureCacheAsync(size);
            var ratio = cached.InMemory / bare;
            var ratioAll = cached.Overhead / bare;
            results.Add(
                $"RESULT memory {size:N0}: cached entry beyond payload and text {cached.InMemory:N0} B (in memory; {cached.Overhead:N0} B " +
                $"with memory storage's table and the job store) vs bare activation {bare:N0} B = {ratio:0.00}x ({ratioAll:0.00}x with them), " +
                $"target <= 1.3x: {(ratio <= 1.3 ? "PASS" : "MISS")}");
            Console.WriteLine(results[^1]);
            Console.WriteLine();
        }

        foreach (var result in results)
        {
            Console.WriteLine(result);
        }
    }

    private static async Task<double> MeasureBareAsync(int count)
    {
        Console.WriteLine($"-- {count:N0} bare activations");
        var host = await BenchCluster.StartAsync(null, maxEntries: 10_000, trackActivations: false);
        try
        {
            return await MeasureBareAsync(host, count);
        }
        finally
        {
            await BenchCluster.KillAsync(host);
        }
    }

    private static async Task<double> MeasureBareAsync(CacheCluster host, int count)
    {
        var descriptor = new ModelDescriptor("bare", "1");
        await host.Grains.GetGrain<IBareGrain>(KeyBuilder.Build(descriptor, "warm-up")).PingAsync();
        var empty = Machine.LiveHeapBytes();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                await host.Grains.GetGrain<IBareGrain>(KeyBuilder.Build(descriptor, Text(i))).PingAsync();
            }
        })));
        var activated = clock.Elapsed;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        var full = Machine.LiveHeapBytes();
        var each = (full - empty) / (double)count;
        Console.WriteLine($"activated in {activated.TotalSeconds:0.0} s ({allocated / (double)count:N0} B allocated per activation); live heap {Machine.Mb(empty)} -> {Machine.Mb(full)}: {each,7:0.0} B per bare activation");
        var breakdown = MemoryBreakdown.OfBare(host, descriptor, count, Text);
        breakdown.Print(count, each);
        return each;
    }

    private static async Task<(double Overhead, double InMemory)> MeasureCacheAsync(int count)
    {
        Console.WriteLine($"-- {count:N0} cache entries");
        var time = new ShiftableTimeProvider();
        var backend = BenchCluster.InstantBackend();

        // Twice the entries: nothing is evicted, whichever shard the keys fall in.
        var host = await BenchCluster.StartAsync(backend, maxEntries: count * 2, clock: time, trackActivations: false);
        try
        {
            return await MeasureCacheAsync(host, backend, time, count);
        }
        finally
        {
            await BenchCluster.KillAsync(host);
        }
    }

    private static async Task<(double Overhead, double InMemory)> MeasureCacheAsync(
        CacheCluster host, FakeInferenceBackend backend, ShiftableTimeProvider time, int count)
    {
        // Warm the empty host: code jitted, directory shards active. The warm-up entry stays.
        await BenchCluster.InsertRangeAsync(host, i => $"memory bench warm-up {i}", 0, 1, 1);
        var empty = Machine.LiveHeapBytes();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await BenchCluster.InsertRangeAsync(host, Text, 0, count, Workers);
        var fill = clock.Elapsed;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        if (host.PredictionActivations != 0)
        {
            throw new InvalidOperationException("TestKit's activation tracker still observes the activations: its bytes would be counted.");
        }

        if (host.Statistics.Size != count + 1 || host.Statistics.Evictions != 0)
        {
            throw new InvalidOperationException($"Expected {count + 1} entries and no eviction; size is {host.Statistics.Size}, evictions {host.Statistics.Evictions}.");
        }

        var full = Machine.LiveHeapBytes();
        var breakdown = MemoryBreakdown.OfCache(host, count, Text);

        // The test fake logs every input it was asked (a gateway has no such log): measured by clearing it.
        ((ConcurrentQueue<string>)backend.Inputs).Clear();
        var withoutFake = Machine.LiveHeapBytes();

        // Finished jobs are kept for their retention: aged past it and swept, so the store's share shows on its own.
        var retention = TimeSpan.FromHours(host.Services.GetRequiredService<IOptions<JobOptions>>().Value.RetentionHours);
        time.Offset = retention + TimeSpan.FromHours(1);
        var swept = ((MemoryJobStore)host.Jobs).Sweep();
        time.Offset = TimeSpan.Zero;
        var withoutJobs = Machine.LiveHeapBytes();

        // The memory provider's records stand in for the database rows of a durable deployment.
        var storageRecords = ClearMemoryStorage(host.Storage);
        var withoutStorage = Machine.LiveHeapBytes();

        double Each(long bytes) => bytes / (double)count;
        var total = full - empty;
        var fake = full - withoutFake;
        var payload = PayloadBytesPerResult() * count;
        var texts = ObjectSize.Of(Text(0)) * count;
        var jobs = withoutFake - withoutJobs;
        var storage = withoutJobs - withoutStorage;
        var overhead = total - fake - payload - texts;
        var inMemory = overhead - jobs - storage;
        Console.WriteLine($"filled in {fill.TotalSeconds:0.0} s ({allocated / (double)count:N0} B allocated per insert); live heap empty {Machine.Mb(empty)}, full {Machine.Mb(full)}");
        Console.WriteLine($"  total                                   {Each(total),8:0.0} B/entry");
        Console.WriteLine($"  test fake's input log (not in a gateway) {Each(fake),7:0.0} B/entry");
        Console.WriteLine($"  payload (PredictionResult + {BenchCluster.AnswerJson.Length}-byte JSON) {Each(payload),5:0.0} B/entry");
        Console.WriteLine($"  normalized text ({Text(0).Length} chars)              {Each(texts),8:0.0} B/entry");
        Console.WriteLine($"  = overhead beyond payload and text      {Each(overhead),8:0.0} B/entry");
        Console.WriteLine($"    of which job store ({swept:N0} jobs swept)   {Each(jobs),8:0.0} B/entry");
        Console.WriteLine($"    of which memory storage ({storageRecords:N0} records) {Each(storage),6:0.0} B/entry");
        Console.WriteLine($"    = held in memory by the cache         {Each(inMemory),8:0.0} B/entry");
        breakdown.Print(count, Each(inMemory));
        return (Each(overhead), Each(inMemory));
    }

    /// <summary>Empties the memory storage provider's tables (bench only: read by field name); returns the records removed.</summary>
    private static long ClearMemoryStorage(IGrainStorage storage)
    {
        long removed = 0;
        if (ObjectSize.Field(storage, "_tables") is IDictionary tables)
        {
            foreach (DictionaryEntry table in tables)
            {
                if (table.Value is IDictionary records)
                {
                    removed += records.Count;
                    records.Clear();
                }
            }
        }

        return removed;
    }

    private static string Text(long i) => string.Create(CultureInfo.InvariantCulture, $"memory bench text {i:D8}");

    private static long PayloadBytesPerResult()
    {
        var json = System.Text.Encoding.UTF8.GetBytes(BenchCluster.AnswerJson);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = PredictionResult.FromJson(json);
        var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(result);
        return bytes;
    }
}

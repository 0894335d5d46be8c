using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PredictionCache.Benchmarks.Hosting;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Keys;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// Target (c): memory per cached entry at 1,000,000 entries, beyond the result payload. Measures the live heap of
/// the empty (warmed) host and of the full one, subtracts the payload (result JSON arrays + PredictionResult
/// objects) and the normalized texts, then sweeps the job store (clock moved past retention) and measures again,
/// so the overhead is reported with and without the jobs the store keeps for 24 h.
/// </summary>
internal static class MemoryScenario
{
    private const int Workers = 64;

    public static async Task RunAsync(string[] args)
    {
        var entries = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        Machine.PrintHeader("memory: bytes per cached entry");
        var time = new ShiftableTimeProvider();
        await using var host = await CacheHost.StartAsync(entries, time);

        // Warm the empty host: code jitted, directory shards active; the entry itself is removed again.
        const string warmUp = "memory bench warm-up";
        await host.InsertAsync(warmUp);
        await host.Cache.RemoveEntryAsync(KeyBuilder.Build(FakeInferenceBackend.Descriptor, warmUp));
        while (host.ActivePredictionGrains > 0)
        {
            await Task.Delay(1);
        }

        var empty = Machine.LiveHeapBytes();
        var clock = Stopwatch.StartNew();
        var inserted = await host.FillAsync(Text, 0, Workers);
        var fill = clock.Elapsed;
        if (host.Statistics.Size != entries || host.ActivePredictionGrains != entries)
        {
            throw new InvalidOperationException($"Expected {entries} entries; size is {host.Statistics.Size}, activations {host.ActivePredictionGrains}.");
        }

        var full = Machine.LiveHeapBytes();
        var total = full - empty;
        var payloadEach = PayloadBytesPerResult();
        var textEach = TextBytes(Text(0));
        var payload = payloadEach * entries;
        var texts = textEach * entries;
        var overhead = total - payload - texts;

        var breakdown = MemoryBreakdown.Measure(host);

        // Age every finished job past its retention and sweep, so what the store holds can be measured on its own.
        var retention = TimeSpan.FromHours(host.Services.GetRequiredService<IOptions<JobOptions>>().Value.RetentionHours);
        time.Offset = retention + TimeSpan.FromHours(1);
        var swept = ((MemoryJobStore)host.Jobs).Sweep();
        time.Offset = TimeSpan.Zero;
        var withoutJobs = Machine.LiveHeapBytes();
        var jobShare = full - withoutJobs;

        double Each(long bytes) => bytes / (double)entries;
        Console.WriteLine($"filled {entries:N0} entries ({inserted:N0} inserts, {host.Statistics.Evictions:N0} evicted early by a full shard) in {fill.TotalSeconds:0.0} s; live heap empty {Machine.Mb(empty)}, full {Machine.Mb(full)}");
        Console.WriteLine($"total             {Machine.Mb(total),12} = {Each(total),7:0.0} B/entry");
        Console.WriteLine($"payload           {Machine.Mb(payload),12} = {Each(payload),7:0.0} B/entry (PredictionResult + {FakeInferenceBackend.Json.Length}-byte JSON array)");
        Console.WriteLine($"normalized text   {Machine.Mb(texts),12} = {Each(texts),7:0.0} B/entry ({Text(0).Length} chars)");
        Console.WriteLine($"overhead          {Machine.Mb(overhead),12} = {Each(overhead),7:0.0} B/entry (total - payload - text)  target <= 400: {(Each(overhead) <= 400 ? "PASS" : "MISS")}");
        Console.WriteLine($"job store (swept {swept:N0} jobs) {Machine.Mb(jobShare),12} = {Each(jobShare),7:0.0} B/entry");
        Console.WriteLine($"overhead w/o jobs {Machine.Mb(overhead - jobShare),12} = {Each(overhead - jobShare),7:0.0} B/entry  target <= 400: {(Each(overhead - jobShare) <= 400 ? "PASS" : "MISS")}");
        Console.WriteLine();
        Console.WriteLine($"breakdown over {breakdown.Entries:N0} live activations (object sizes as on the heap):");
        foreach (var (component, bytes, detail) in breakdown.Rows)
        {
            Console.WriteLine($"  {component,-58} {bytes / (double)breakdown.Entries,7:0.0} B/entry  {detail}");
        }

        var attributed = breakdown.OverheadBytes;
        Console.WriteLine($"  {"sum of the above",-58} {attributed / (double)breakdown.Entries,7:0.0} B/entry");
        Console.WriteLine($"  {"measured overhead - sum (unattributed)",-58} {(overhead - attributed) / (double)entries,7:0.0} B/entry");
        Console.WriteLine(breakdown.Missing.Count == 0
            ? "  every field the breakdown reads was found"
            : $"  fields not found, so not counted (the object layout changed; update MemoryBreakdown): {string.Join(", ", breakdown.Missing)}");
        Console.WriteLine($"  (breakdown payload {breakdown.PayloadBytes / (double)breakdown.Entries:0.0} B/entry, text {breakdown.TextBytes / (double)breakdown.Entries:0.0} B/entry)");
        Console.WriteLine($"RESULT memory: overhead {Each(overhead):0} B/entry with jobs, {Each(overhead - jobShare):0} B/entry without (target <= 400)");
    }

    private static string Text(long i) => string.Create(CultureInfo.InvariantCulture, $"memory bench text {i:D8}");

    private static long PayloadBytesPerResult()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = PredictionResult.FromJson(FakeInferenceBackend.Json);
        var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(result);
        return bytes;
    }

    private static long TextBytes(string sample) => ObjectSize.Of(sample);
}

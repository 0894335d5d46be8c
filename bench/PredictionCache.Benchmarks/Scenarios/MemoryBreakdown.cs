using System.Collections;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Benchmarks.Hosting;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.Silo;
using PredictionCache.Silo.Runtime;
using PredictionCache.Silo.Timers;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// Where the bytes of the cached entries go: every per-entry object of every live prediction activation, sized
/// as the heap holds it, and the structure of each keyed collection (buckets, nodes). Shared objects (the grain
/// type's runtime, services, model name, state name) are not per entry and are left out.
/// </summary>
internal sealed class MemoryBreakdown
{
    private readonly List<(string Component, long Bytes, string Detail)> _rows = [];

    public int Entries { get; private set; }

    public long PayloadBytes { get; private set; }

    public long TextBytes { get; private set; }

    public long JobStoreBytes { get; private set; }

    public IReadOnlyList<(string Component, long Bytes, string Detail)> Rows => _rows;

    public long OverheadBytes => _rows.Sum(r => r.Bytes);

    public static MemoryBreakdown Measure(CacheHost host)
    {
        var breakdown = new MemoryBreakdown();
        breakdown.MeasureActivations(host);
        breakdown.MeasureStorage(host);
        breakdown.MeasureDirectory(host);
        breakdown.MeasureJobs(host);
        breakdown.Add("timer wheel slots", ObjectSize.Of(ObjectSize.Field(host.Silo.TimerWheel, "_slots")), "one array for the silo");
        return breakdown;
    }

    private static GrainTypeRuntime TypeOf<TGrain>(CacheHost host) => host.Silo.Types.Single(t => t.GrainClass == typeof(TGrain));

    private void Add(string component, long bytes, string detail) => _rows.Add((component, bytes, detail));

    private void MeasureActivations(CacheHost host)
    {
        var type = TypeOf<PredictionGrain>(host);
        long key = 0, activation = 0, grain = 0, state = 0, timer = 0, payload = 0, text = 0;
        var entries = 0;
        string activationDetail = "", stateDetail = "", timerDetail = "";
        foreach (var a in type.Activations)
        {
            if (!a.IsActive)
            {
                continue;
            }

            entries++;
            var sample = entries == 1;
            key += ObjectSize.Of(a.Key);
            activation += ObjectSize.Of(a) + ObjectSize.Of(a.Gate) + ObjectSize.Of(ObjectSize.Field(a.Gate, "_lock"))
                + ObjectSize.Of(ObjectSize.Field(a.Gate, "_waiters")) + ObjectSize.Of(ObjectSize.Field(a, "_timersLock"));
            if (sample)
            {
                activationDetail = $"ActivationData {ObjectSize.Of(a)}, TurnGate {ObjectSize.Of(a.Gate)}, its lock {ObjectSize.Of(ObjectSize.Field(a.Gate, "_lock"))}, "
                    + $"its (empty) waiter list {ObjectSize.Of(ObjectSize.Field(a.Gate, "_waiters"))}, timers lock {ObjectSize.Of(ObjectSize.Field(a, "_timersLock"))}";
            }

            var g = a.Grain;
            grain += ObjectSize.Of(g);

            var persistent = (IPersistentState<CacheEntry>)ObjectSize.FieldOfType(g, typeof(IPersistentState<CacheEntry>))!;
            var entry = persistent.State;
            state += ObjectSize.Of(persistent) + ObjectSize.Of(entry) + ObjectSize.Of(persistent.Etag);
            text += ObjectSize.Of(entry.NormalizedText);
            if (sample)
            {
                stateDetail = $"PersistentState {ObjectSize.Of(persistent)}, CacheEntry {ObjectSize.Of(entry)}, ETag \"{persistent.Etag}\" {ObjectSize.Of(persistent.Etag)}";
            }

            if (entry.Result is { } result)
            {
                payload += ObjectSize.Of(result) + (MemoryMarshal.TryGetArray(result.Utf8Json, out var segment) ? ObjectSize.Of(segment.Array) : 0);
            }

            if (ObjectSize.Field(g, "_ttlTimer") is GrainTimer ttl)
            {
                var callback = (Delegate)ObjectSize.Field(ttl, "_callback")!;
                var timers = ObjectSize.Field(a, "_timers");
                timer += ObjectSize.Of(ttl) + ObjectSize.Of(ObjectSize.Field(ttl, "_disposed")) + ObjectSize.Of(callback) + ObjectSize.Of(callback.Target)
                    + ObjectSize.Of(ObjectSize.Field(ttl, "_options")) + ObjectSize.Of(timers) + (timers is null ? 0 : ObjectSize.Of(ObjectSize.Field(timers, "_items")));
                if (sample)
                {
                    timerDetail = $"GrainTimer {ObjectSize.Of(ttl)}, CancellationTokenSource {ObjectSize.Of(ObjectSize.Field(ttl, "_disposed"))}, callback delegate {ObjectSize.Of(callback)} + closure {ObjectSize.Of(callback.Target)}, "
                        + $"options record {ObjectSize.Of(ObjectSize.Field(ttl, "_options"))}, List<GrainTimer> {ObjectSize.Of(timers)} + array {(timers is null ? 0 : ObjectSize.Of(ObjectSize.Field(timers, "_items")))}";
                }
            }
        }

        Entries = entries;
        PayloadBytes = payload;
        TextBytes = text;
        var catalog = ObjectSize.OfConcurrentDictionary(ObjectSize.Field(type, "_activations")!, type.Activations.Count);
        Add("key string (64 hex chars)", key, "one instance shared by catalog, grain id, storage key, directory, job");
        Add("catalog entry (ConcurrentDictionary node + buckets)", catalog.Bytes, $"node {catalog.NodeBytes} B; buckets {Machine.Mb(catalog.BucketBytes)}");
        Add("ActivationData + TurnGate (+ waiter list) + 2 locks", activation, activationDetail);
        Add("PredictionGrain", grain, "7 fields");
        Add("persistent state + CacheEntry + ETag string", state, stateDetail);
        Add("TTL GrainTimer (timer, CTS, closure, options, timer list)", timer, timerDetail);
    }

    private void MeasureStorage(CacheHost host)
    {
        var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(SiloBuilder.DefaultStorageName);
        var records = (IDictionary)ObjectSize.Field(storage, "_records")!;
        var structure = ObjectSize.OfConcurrentDictionary(records, records.Count);
        var record = records.Values.Cast<object>().FirstOrDefault();
        Add("memory-storage record (node + Entry record + buckets)", structure.Bytes + (ObjectSize.Of(record) * records.Count),
            $"node {structure.NodeBytes} B (3-string struct key); Entry {ObjectSize.Of(record)} B");
    }

    private void MeasureDirectory(CacheHost host)
    {
        long bytes = 0, nodeSize = 0;
        foreach (var a in TypeOf<CacheDirectoryGrain>(host).Activations)
        {
            var nodes = (IDictionary)ObjectSize.Field(((CacheDirectoryGrain)a.Grain).Order, "_nodes")!;
            var node = nodes.Values.Cast<object>().FirstOrDefault();
            nodeSize = Math.Max(nodeSize, ObjectSize.Of(node));
            bytes += ObjectSize.OfDictionaryArrays(nodes) + (ObjectSize.Of(node) * nodes.Count);
        }

        Add("directory LRU (Dictionary entry + linked node)", bytes, $"node {nodeSize} B");
    }

    private void MeasureJobs(CacheHost host)
    {
        var store = (MemoryJobStore)host.Jobs;
        var jobs = (IDictionary)ObjectSize.Field(store, "_jobs")!;
        var structure = ObjectSize.OfConcurrentDictionary(jobs, jobs.Count);
        var job = jobs.Values.Cast<object>().FirstOrDefault();
        var waiters = ObjectSize.OfConcurrentDictionary(ObjectSize.Field(store, "_waiters")!, 0);
        JobStoreBytes = structure.Bytes + (ObjectSize.Of(job) * jobs.Count) + waiters.Bytes;
        Add("job record in MemoryJobStore (node + JobRecord + buckets)", JobStoreBytes,
            $"{jobs.Count:N0} jobs; node {structure.NodeBytes} B; JobRecord {ObjectSize.Of(job)} B");
    }
}

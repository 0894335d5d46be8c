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
/// type's runtime, services, model name, state name, a static callback delegate) are not per entry and are left out.
/// The object graph is read by field name (see <see cref="ObjectSize"/>): a field that is not found is listed in
/// <see cref="Missing"/> and what it held is not counted, so the breakdown then falls short of the measured total.
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

    /// <summary>Fields the breakdown looked for and did not find (their objects are not counted).</summary>
    public IReadOnlyList<string> Missing { get; private set; } = [];

    public static MemoryBreakdown Measure(CacheHost host)
    {
        var breakdown = new MemoryBreakdown();

        // Key -> the grain's state, to see what storage records share with it. Local: the memory scenario measures
        // the heap again after this (without the jobs), and a million-entry dictionary must not be alive then.
        var states = new Dictionary<string, IPersistentState<CacheEntry>>(StringComparer.Ordinal);
        breakdown.MeasureActivations(host, states);
        breakdown.MeasureStorage(host, states);
        breakdown.MeasureDirectory(host);
        breakdown.MeasureJobs(host);
        breakdown.Add("timer wheel slots", ObjectSize.Of(ObjectSize.Field(host.Silo.TimerWheel, "_slots")), "one array for the silo");
        breakdown.Missing = ObjectSize.Missing;
        return breakdown;
    }

    private static GrainTypeRuntime TypeOf<TGrain>(CacheHost host) => host.Silo.Types.Single(t => t.GrainClass == typeof(TGrain));

    private static string Count(long count, long of) => count == of ? "all" : $"{count:N0} of {of:N0}";

    private void Add(string component, long bytes, string detail) => _rows.Add((component, bytes, detail));

    private void MeasureActivations(CacheHost host, Dictionary<string, IPersistentState<CacheEntry>> states)
    {
        var type = TypeOf<PredictionGrain>(host);
        long key = 0, activation = 0, grain = 0, state = 0, timer = 0, payload = 0, text = 0;
        long waiterLists = 0, timerCount = 0, cancellations = 0, ticks = 0, otherTimerHeads = 0;
        long callbackBytes = 0, callbacksNotShared = 0, timerStateBytes = 0, timerStatesNotGrain = 0;
        Delegate? firstCallback = null;
        var entries = 0;
        string activationDetail = "", stateDetail = "", timerDetail = "", grainDetail = "";
        foreach (var a in type.Activations)
        {
            if (!a.IsActive)
            {
                continue;
            }

            entries++;
            var sample = entries == 1;
            key += ObjectSize.Of(a.Key);

            // ActivationData and TurnGate lock on themselves; the gate's waiter list exists only while turns queue.
            var gate = ObjectSize.Field(a, "_gate");
            var waiters = ObjectSize.Field(gate, "_waiters");
            waiterLists += waiters is null ? 0 : 1;
            activation += ObjectSize.Of(a) + ObjectSize.Of(gate) + ObjectSize.Of(waiters);
            if (sample)
            {
                activationDetail = $"ActivationData {ObjectSize.Of(a)}, TurnGate {ObjectSize.Of(gate)}";
            }

            var g = a.Grain;
            grain += ObjectSize.Of(g);
            if (sample)
            {
                grainDetail = $"{ObjectSize.Of(g)} B, {ObjectSize.FieldCount(g.GetType())} fields (base Grain's included)";
            }

            if (ObjectSize.FieldOfType(g, typeof(IPersistentState<CacheEntry>)) is IPersistentState<CacheEntry> persistent)
            {
                states[a.Key] = persistent;
                var entry = persistent.State;
                state += ObjectSize.Of(persistent) + ObjectSize.Of(entry) + ObjectSize.Of(persistent.Etag);
                text += ObjectSize.Of(entry.NormalizedText);
                if (sample)
                {
                    stateDetail = $"{ObjectSize.NameOf(persistent.GetType())} {ObjectSize.Of(persistent)}, CacheEntry {ObjectSize.Of(entry)}, "
                        + $"ETag \"{persistent.Etag}\" {ObjectSize.Of(persistent.Etag)}";
                }

                if (entry.Result is { } result)
                {
                    payload += ObjectSize.Of(result) + (MemoryMarshal.TryGetArray(result.Utf8Json, out var segment) ? ObjectSize.Of(segment.Array) : 0);
                }
            }

            // The activation's timers are an intrusive list through the timers themselves: the head is the TTL timer.
            // Anything else there (a collection, as before 5c7e108) is counted as the activation's timer list.
            var head = ObjectSize.Field(a, "_timers");
            if (head is not null and not GrainTimer)
            {
                otherTimerHeads++;
                timer += ObjectSize.Of(head) + ObjectSize.Of(ObjectSize.Field(head, "_items"));
            }

            if (ObjectSize.Field(g, "_ttlTimer") is not GrainTimer ttl)
            {
                continue;
            }

            timerCount++;
            var cancellation = ObjectSize.Field(ttl, "_cancellation");
            var tick = ObjectSize.Field(ttl, "CurrentTick");
            cancellations += cancellation is null ? 0 : 1;
            ticks += tick is null ? 0 : 1;
            timer += ObjectSize.Of(ttl) + ObjectSize.Of(cancellation) + ObjectSize.Of(tick);

            // GrainTimer<TState>: a static lambda's delegate is one instance for all timers (not per entry); the
            // state is the grain itself (counted above). A closure, or any other state, would be per entry.
            if (ObjectSize.Field(ttl, "callback") is Delegate callback)
            {
                firstCallback ??= callback;
                callbackBytes += ObjectSize.Of(callback) + ObjectSize.Of(callback.Target);
                callbacksNotShared += ReferenceEquals(callback, firstCallback) ? 0 : 1;
            }

            if (ObjectSize.Field(ttl, "state") is { } timerState && !ReferenceEquals(timerState, g) && !timerState.GetType().IsValueType)
            {
                timerStatesNotGrain++;
                timerStateBytes += ObjectSize.Of(timerState);
            }

            if (sample)
            {
                timerDetail = $"{ObjectSize.NameOf(ttl.GetType())} {ObjectSize.Of(ttl)}";
            }
        }

        // One delegate for every timer: created once (by the warm-up entry), so it is in the empty host's heap too.
        var callbacksShared = callbacksNotShared == 0;
        timer += (callbacksShared ? 0 : callbackBytes) + timerStateBytes;
        timerDetail += $" ({Count(timerCount, entries)} entries); CancellationTokenSource {(cancellations == 0 ? "none" : $"{cancellations:N0}")} (created at a first tick); "
            + $"tick task {(ticks == 0 ? "none" : $"{ticks:N0}")}; callback "
            + (callbacksShared ? "one shared static delegate (0 per entry)" : $"{callbacksNotShared + 1:N0} distinct delegates, {callbackBytes / Math.Max(1, timerCount)} B each with target")
            + (timerStatesNotGrain == 0 ? "; state = the grain" : $"; {timerStatesNotGrain:N0} state objects")
            + (otherTimerHeads == 0 ? "; activation's timer list: intrusive (0)" : $"; {otherTimerHeads:N0} timer collections");

        Entries = entries;
        PayloadBytes = payload;
        TextBytes = text;
        var catalog = ObjectSize.OfConcurrentDictionary(ObjectSize.Field(type, "_activations"), type.Activations.Count);
        Add("key string (64 hex chars)", key, "one instance shared by catalog, grain id, storage key, directory, job");
        Add("catalog entry (ConcurrentDictionary node + buckets)", catalog.Bytes, $"node {catalog.NodeBytes} B; buckets {Machine.Mb(catalog.BucketBytes)}");
        Add("ActivationData + TurnGate (+ waiter list while queued)", activation,
            $"{activationDetail}; waiter list {(waiterLists == 0 ? "none" : $"on {waiterLists:N0}")}; no lock objects");
        Add("PredictionGrain", grain, grainDetail);
        Add("persistent state + CacheEntry + ETag string", state, stateDetail);
        Add("TTL GrainTimer (timer [+ CTS] [+ closure])", timer, timerDetail);
    }

    private void MeasureStorage(CacheHost host, Dictionary<string, IPersistentState<CacheEntry>> states)
    {
        // One ConcurrentDictionary<string, Record> per (grain type, state name); Record (State, ETag) is a struct
        // inside the node. Its State is the grain's CacheEntry and its ETag the string the grain's state holds, both
        // counted with the persistent state: counted here only where they are not the same instances.
        var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(SiloBuilder.DefaultStorageName);
        long bytes = 0, nodeBytes = 0, records = 0, unshared = 0, unsharedBytes = 0;
        var recordDetail = "";
        var tables = new List<string>();
        if (ObjectSize.Field(storage, "_tables") is IDictionary all)
        {
            foreach (DictionaryEntry t in all)
            {
                if (t.Value is not IDictionary table)
                {
                    continue;
                }

                var structure = ObjectSize.OfConcurrentDictionary(table, table.Count);
                bytes += structure.Bytes;
                nodeBytes = Math.Max(nodeBytes, structure.NodeBytes);
                records += table.Count;
                tables.Add($"{t.Key} {table.Count:N0}");
                var valueType = table.GetType().GetGenericArguments() is [_, var v] ? v : typeof(object);
                recordDetail = valueType.IsValueType ? $"{valueType.Name} inline" : $"{valueType.Name} object";
                foreach (DictionaryEntry r in table)
                {
                    if (!valueType.IsValueType)
                    {
                        bytes += ObjectSize.Of(r.Value);
                    }

                    states.TryGetValue((string)r.Key, out var owner);
                    var recordState = ObjectSize.Field(r.Value, "State");
                    var etag = ObjectSize.Field(r.Value, "ETag");
                    var extra = (ReferenceEquals(recordState, owner?.State) ? 0 : ObjectSize.Of(recordState))
                        + (ReferenceEquals(etag, owner?.Etag) ? 0 : ObjectSize.Of(etag));
                    unshared += extra == 0 ? 0 : 1;
                    unsharedBytes += extra;
                }
            }
        }

        Add("memory-storage record (ConcurrentDictionary node + buckets)", bytes + unsharedBytes, tables.Count == 0
            ? "no storage table found"
            : $"node {nodeBytes} B ({recordDetail}); {records:N0} records in {string.Join(", ", tables)}; "
                + (unshared == 0 ? "state and ETag shared with the grain's" : $"{unshared:N0} with their own state or ETag ({unsharedBytes / Math.Max(1, unshared)} B each)"));
    }

    private void MeasureDirectory(CacheHost host)
    {
        long bytes = 0, nodeSize = 0;
        foreach (var a in TypeOf<CacheDirectoryGrain>(host).Activations)
        {
            if (ObjectSize.Field(((CacheDirectoryGrain)a.Grain).Order, "_nodes") is not IDictionary nodes)
            {
                continue;
            }

            var node = nodes.Values.Cast<object>().FirstOrDefault();
            nodeSize = Math.Max(nodeSize, ObjectSize.Of(node));
            bytes += ObjectSize.OfDictionaryArrays(nodes) + (ObjectSize.Of(node) * nodes.Count);
        }

        Add("directory LRU (Dictionary entry + linked node)", bytes, $"node {nodeSize} B");
    }

    private void MeasureJobs(CacheHost host)
    {
        var store = (MemoryJobStore)host.Jobs;
        if (ObjectSize.Field(store, "_jobs") is not IDictionary jobs)
        {
            return;
        }

        var structure = ObjectSize.OfConcurrentDictionary(jobs, jobs.Count);
        var job = jobs.Values.Cast<object>().FirstOrDefault();
        var waiters = ObjectSize.OfConcurrentDictionary(ObjectSize.Field(store, "_waiters"), 0);
        JobStoreBytes = structure.Bytes + (ObjectSize.Of(job) * jobs.Count) + waiters.Bytes;
        Add("job record in MemoryJobStore (node + JobRecord + buckets)", JobStoreBytes,
            $"{jobs.Count:N0} jobs; node {structure.NodeBytes} B; JobRecord {ObjectSize.Of(job)} B");
    }
}

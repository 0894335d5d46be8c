using System.Collections;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Benchmarks.Scenarios;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Models;
using PredictionCache.Grains.Placement;
using PredictionCache.Grains.Prediction;
using PredictionCache.Silo;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Memory;

/// <summary>
/// Where the bytes of one activation go, read from the live objects through reflection (<see cref="ObjectSize"/>):
/// the key, Orleans' <c>ActivationData</c>, the grain, and for a cache entry its persistent state, <see cref="CacheEntry"/>,
/// <see cref="PublishedEntry"/>, TTL timer, the <see cref="SiloLocalEntries"/> dictionary node, the directory's LRU node
/// and the Orleans catalog's node. An object's "own objects" are those its fields reach that the same field of another
/// activation does not (so not shared), followed a few levels down; objects counted in another row are not counted
/// again. Per-object rows are averaged over a sample of activations. A field it cannot find is listed, not a failure.
/// </summary>
internal sealed class MemoryBreakdown
{
    private const int Sample = 1_000;
    private const int OwnDepth = 3;

    private readonly List<(string Component, double BytesEach, string Detail)> _rows = [];

    private MemoryBreakdown()
    {
    }

    public static MemoryBreakdown OfBare(CacheCluster host, ModelDescriptor descriptor, int count, Func<long, string> textOf)
    {
        var breakdown = new MemoryBreakdown();
        var keys = SampleKeys(count, i => KeyBuilder.Build(descriptor, textOf(i)));
        breakdown.Activations(host, "predictioncache.bench.bare", keys, perGrain: null);
        breakdown.Catalog(host, count);
        return breakdown;
    }

    public static MemoryBreakdown OfCache(CacheCluster host, int count, Func<long, string> textOf)
    {
        var breakdown = new MemoryBreakdown();
        var model = host.Predictions.Models.Default;
        var keys = SampleKeys(count, i => KeyBuilder.Build(model, textOf(i)));
        breakdown.Activations(host, PredictionCacheSiloBuilderExtensions.PredictionGrainType, keys, PredictionGrainParts);
        breakdown.Catalog(host, count);
        breakdown.Published(host);
        breakdown.Directory(host);
        return breakdown;
    }

    public void Print(int count, double measuredEach)
    {
        Console.WriteLine($"  breakdown (B per activation; objects sized as the heap holds them; {Math.Min(Sample, count):N0} activations sampled):");
        foreach (var (component, bytes, detail) in _rows)
        {
            Console.WriteLine($"    {component,-62} {bytes,7:0.0}  {detail}");
        }

        Console.WriteLine($"    {"sum of the rows",-62} {_rows.Sum(r => r.BytesEach),7:0.0}");
        Console.WriteLine($"    {"measured - sum (not attributed: Orleans' grain directory, ...)",-62} {measuredEach - _rows.Sum(r => r.BytesEach),7:0.0}");
        var missing = ObjectSize.Missing;
        Console.WriteLine(missing.Count == 0
            ? "    every field the breakdown reads was found"
            : $"    fields not found, so not counted (the object layout changed): {string.Join(", ", missing)}");
    }

    private static string[] SampleKeys(int count, Func<long, string> keyOf)
    {
        var sample = Math.Min(Sample, count);
        return [.. Enumerable.Range(0, sample).Select(i => keyOf((long)i * count / sample))];
    }

    private void Add(string component, double bytesEach, string detail) => _rows.Add((component, bytesEach, detail));

    /// <summary>
    /// The per-activation rows: key, ActivationData with its own objects, the grain, and what <paramref name="perGrain"/>
    /// reads from the grain (each sample compared with the next one to tell its own objects from shared ones).
    /// </summary>
    private void Activations(
        CacheCluster host, string grainType, string[] keys, Func<Grain, Grain[], HashSet<object>, Dictionary<string, (long Bytes, string Detail)>>? perGrain)
    {
        var contexts = keys
            .Select(k => host.Cluster.TryGetGrainContext(GrainId.Create(grainType, k), out var context) ? context : null)
            .ToArray();
        var found = contexts.Count(c => c is not null);
        if (found < 2)
        {
            Add($"{grainType} activations", 0, $"only {found} of {keys.Length} sampled keys have an activation: not measured");
            return;
        }

        var live = contexts.OfType<IGrainContext>().ToArray();
        const int Compared = 4;
        long key = 0, data = 0, grain = 0;
        var parts = new Dictionary<string, (long Bytes, string Detail)>(StringComparer.Ordinal);
        string dataDetail = "";
        for (var i = 0; i < live.Length; i++)
        {
            var a = live[i];
            var others = Enumerable.Range(1, Math.Min(Compared, live.Length - 1)).Select(o => live[(i + o) % live.Length]).ToArray();
            var grainA = (Grain)a.GrainInstance!;
            var otherGrains = others.Select(o => (Grain)o.GrainInstance!).ToArray();
            var counted = new HashSet<object>(ReferenceEqualityComparer.Instance) { grainA };
            counted.UnionWith(others);
            counted.UnionWith(otherGrains);

            // A bare grain keeps no key string of its own (the GrainId holds the key as UTF-8 bytes: ActivationData's row).
            if (perGrain is not null && ObjectSize.Field(grainA, "_key") is string keyString)
            {
                key += ObjectSize.Of(keyString);
                counted.Add(keyString);
            }

            // First: what the activation itself owns (its grain's parts are reached through it otherwise).
            var own = ObjectSize.Own(a, others, OwnDepth, counted);
            data += own.Bytes;
            if (perGrain is not null)
            {
                foreach (var (name, (bytes, detail)) in perGrain(grainA, otherGrains, counted))
                {
                    parts[name] = (parts.GetValueOrDefault(name).Bytes + bytes, detail);
                }
            }

            grain += ObjectSize.Of(grainA);
            if (i == 0)
            {
                dataDetail = $"{ObjectSize.NameOf(a.GetType())} {ObjectSize.Of(a)} B + own objects: {own.Detail}";
            }
        }

        double Each(long bytes) => bytes / (double)live.Length;
        Add("key string (64 hex chars)", Each(key), "the grain's; GrainId keeps the key as UTF-8 bytes besides (in the ActivationData row)");
        Add($"Orleans {ObjectSize.NameOf(live[0].GetType())} (+ own objects, {OwnDepth} levels)", Each(data), dataDetail);
        Add(ObjectSize.NameOf(live[0].GrainInstance!.GetType()), Each(grain), $"{ObjectSize.FieldCount(live[0].GrainInstance!.GetType())} fields, base Grain's included");
        foreach (var (name, (bytes, detail)) in parts)
        {
            Add(name, Each(bytes), detail);
        }

        if (found < keys.Length)
        {
            Add("(sample)", 0, $"{keys.Length - found} sampled keys had no activation");
        }

    }

    /// <summary>A prediction grain's own parts: persistent state, entry, published entry, TTL timer.</summary>
    private static Dictionary<string, (long Bytes, string Detail)> PredictionGrainParts(Grain a, Grain[] others, HashSet<object> counted)
    {
        var parts = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
        var published = ObjectSize.Field(a, "_published") as PublishedEntry;
        var entry = published?.Entry;
        counted.Add(published!);
        if (entry is not null)
        {
            counted.Add(entry);
            counted.Add(entry.NormalizedText);
            if (entry.Result is { } result)
            {
                counted.Add(result);
                if (ObjectSize.Field(result, "_utf8Json") is { } bytes)
                {
                    counted.Add(bytes);
                }
            }
        }

        var stateA = ObjectSize.FieldOfType(a, typeof(IPersistentState<CacheEntry>));
        var stateOthers = others.Select(o => ObjectSize.FieldOfType(o, typeof(IPersistentState<CacheEntry>))).ToArray();
        var timerA = ObjectSize.Field(a, "_ttlTimer");
        var timerOthers = others.Select(o => ObjectSize.Field(o, "_ttlTimer")).ToArray();
        var state = ObjectSize.Own(stateA, stateOthers, 2, counted);
        parts[$"persistent state {ObjectSize.NameOf(stateA?.GetType() ?? typeof(object))} (+ own objects)"] = (state.Bytes, state.Detail);
        parts["CacheEntry"] = (ObjectSize.Of(entry), "text and payload counted apart");
        parts["PublishedEntry"] = (ObjectSize.Of(published), "entry, shard, touch epoch, from-storage flag");
        var timer = ObjectSize.Own(timerA, timerOthers, OwnDepth, counted);
        parts[$"TTL timer {ObjectSize.NameOf(timerA?.GetType() ?? typeof(object))} (+ own objects)"] = (timer.Bytes, timer.Detail);
        return parts;
    }

    /// <summary>Orleans' catalog of activations (ActivationDirectory, a silo singleton): its dictionary's node and buckets.</summary>
    private void Catalog(CacheCluster host, int count)
    {
        var type = typeof(Grain).Assembly.GetType("Orleans.Runtime.ActivationDirectory")
            ?? Type.GetType("Orleans.Runtime.ActivationDirectory, Orleans.Runtime");
        var directory = type is null ? null : host.Services.GetService(type);
        if (directory is null)
        {
            Add("Orleans catalog (ActivationDirectory)", 0, "not found: Orleans.Runtime.ActivationDirectory is not a service of the silo");
            return;
        }

        var dictionary = ObjectSize.FieldOfType(directory, typeof(IDictionary));
        var entries = (dictionary as ICollection)?.Count ?? 0;
        var structure = ObjectSize.OfConcurrentDictionary(dictionary, entries);
        Add("Orleans catalog node (ActivationDirectory, + buckets)", structure.Bytes / (double)Math.Max(1, entries),
            $"{entries:N0} activations of every type (this run: {count:N0}); node {structure.NodeBytes} B; buckets {Machine.Mb(structure.BucketBytes)}");
    }

    private void Published(CacheCluster host)
    {
        var published = host.Services.GetRequiredService<SiloLocalEntries>();
        var dictionary = ObjectSize.Field(published, "_entries");
        var structure = ObjectSize.OfConcurrentDictionary(dictionary, published.Count);
        Add("SiloLocalEntries node (ConcurrentDictionary, + buckets)", structure.Bytes / (double)Math.Max(1, published.Count),
            $"{published.Count:N0} published; node {structure.NodeBytes} B; buckets {Machine.Mb(structure.BucketBytes)}");
    }

    /// <summary>The directory shards' LRU order (a Dictionary onto linked nodes), read from each shard grain of this silo.</summary>
    private void Directory(CacheCluster host)
    {
        var directory = host.Services.GetRequiredService<SiloLocalDirectory>();
        long bytes = 0, nodes = 0, nodeSize = 0;
        for (var shard = 0; shard < directory.Count; shard++)
        {
            var key = SiloBoundPlacement.KeyOf(host.Primary.Address, shard.ToString(CultureInfo.InvariantCulture));
            if (!host.Cluster.TryGetGrainContext(GrainId.Create("predictioncache.directory", key), out var context) ||
                ObjectSize.Field(ObjectSize.Field(context.GrainInstance, "_lru"), "_nodes") is not IDictionary lru)
            {
                continue;
            }

            var node = lru.Values.Cast<object>().FirstOrDefault();
            nodeSize = Math.Max(nodeSize, ObjectSize.Of(node));
            bytes += ObjectSize.OfDictionaryArrays(lru) + (ObjectSize.Of(node) * lru.Count);
            nodes += lru.Count;
        }

        Add("directory LRU entry (Dictionary entry + linked node)", bytes / (double)Math.Max(1, nodes), $"{nodes:N0} keys in {directory.Count} shards; node {nodeSize} B");
    }
}

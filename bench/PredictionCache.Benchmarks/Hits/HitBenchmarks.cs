using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.DependencyInjection;
using Perfolizer.Horology;
using PredictionCache.Benchmarks.Hosting;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Models;
using PredictionCache.Grains.Prediction;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Hits;

/// <summary>
/// Target (a): the gateway's hit lookup, <see cref="PredictionService.PredictAsync"/> on warm keys, answered from the
/// silo's published entries (<see cref="SiloLocalEntries"/>) with no grain call, against a plain
/// <see cref="ConcurrentDictionary{TKey, TValue}"/> lookup of the same keys. Each invocation looks up every key once
/// (1,024 keys, so the figures are per lookup). Beside it: its parts (the key's SHA-256, the published-table read,
/// the LRU touch, the clock read) and the grain call the published table saves (<see cref="IPredictionGrain.TryGetAsync"/>).
/// In-process, one launch, 5 warm-up and 15 measured iterations: the machine is small and shared, so a short job, but
/// not so short that one noisy iteration decides the ratio.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(HitConfig))]
public class HitBenchmarks
{
    private const int KeyCount = 1024;

    private readonly ConcurrentDictionary<string, CacheEntry> _dictionary = new(StringComparer.Ordinal);
    private readonly string[] _keys = new string[KeyCount];
    private readonly string[] _texts = new string[KeyCount];
    private readonly IPredictionGrain[] _references = new IPredictionGrain[KeyCount];
    private readonly int[] _shards = new int[KeyCount];
    private readonly int[] _touchEpochs = Enumerable.Repeat(-1, KeyCount).ToArray();
    private CacheCluster? _cluster;
    private PredictionService _cache = null!;
    private ServedModel _model = null!;
    private ModelDescriptor _descriptor = null!;
    private SiloLocalEntries _published = null!;
    private SiloLocalDirectory _directory = null!;
    private IGrainFactory _grains = null!;

    /// <summary>
    /// <c>off</c>: grain-call instrumentation off (<c>Silo:Metrics:GrainCalls=false</c>). <c>on</c>: the default, grain
    /// calls counted and 1 in 1024 timed. Either way the silo's OpenTelemetry meter provider listens, as in the gateway.
    /// In one process a case run later measures slower whatever it is (tiered JIT with dynamic PGO keeps the hot path
    /// compiled for the first case), so compare them one per process: <c>HIT_INSTRUMENTATION=off</c> runs only that
    /// case; unset, only <c>on</c> runs.
    /// </summary>
    [ParamsSource(nameof(InstrumentationModes))]
    public string Instrumentation { get; set; } = "on";

    /// <summary>The cases to run: <c>HIT_INSTRUMENTATION</c> (comma-separated), or <c>on</c>.</summary>
    public static IEnumerable<string> InstrumentationModes =>
        Environment.GetEnvironmentVariable("HIT_INSTRUMENTATION")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        ?? ["on"];

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _cluster?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The baseline: <c>ConcurrentDictionary.TryGetValue</c> of the key.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = KeyCount)]
    public int DictionaryLookup()
    {
        var found = 0;
        for (var i = 0; i < KeyCount; i++)
        {
            if (_dictionary.TryGetValue(_keys[i], out _))
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>Target (a): the gateway's hit, <c>PredictionService.PredictAsync(model, text, normalized, default)</c>.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public int PredictHit()
    {
        var found = 0;
        for (var i = 0; i < KeyCount; i++)
        {
            var pending = _cache.PredictAsync(_model, _texts[i], _texts[i], default);
            if (!pending.IsCompletedSuccessfully || pending.Result.Status != PredictionStatus.Hit)
            {
                throw new InvalidOperationException("The hit went to the grain: the published entry is missing.");
            }

            found++;
        }

        return found;
    }

    /// <summary>Part of a hit: the key, SHA-256 of model, version and text in hex (<see cref="KeyBuilder.Build"/>).</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public int KeyBuild()
    {
        var length = 0;
        for (var i = 0; i < KeyCount; i++)
        {
            length += KeyBuilder.Build(_descriptor, _texts[i]).Length;
        }

        return length;
    }

    /// <summary>Part of a hit: the published table read plus the entry's checks (clock, text), on a key built beforehand.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public int PublishedLookupAndServes()
    {
        var found = 0;
        var time = TimeProvider.System;
        for (var i = 0; i < KeyCount; i++)
        {
            if (_published.TryGet("", _descriptor.Name, _texts[i], out var entry) && entry.Entry.Serves(_texts[i], time.GetUtcNow(), null))
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>Part of a hit: the buffered LRU touch, including the share of directory turns that drain the buffer.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public int DirectoryTouch()
    {
        for (var i = 0; i < KeyCount; i++)
        {
            _directory.Touch(_shards[i], _keys[i], ref _touchEpochs[i]);
        }

        return KeyCount;
    }

    /// <summary>What the published table saves: the hit as a grain call, <c>GetGrain&lt;IPredictionGrain&gt;(key).TryGetAsync(probe)</c>.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public async Task<int> GrainCallHit()
    {
        var found = 0;
        for (var i = 0; i < KeyCount; i++)
        {
            if (await _grains.GetGrain<IPredictionGrain>(_keys[i]).TryGetAsync(new CacheProbe(_texts[i], null)) is not null)
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>The same grain call on references resolved beforehand: what <c>GetGrain</c> costs is the difference.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public async Task<int> GrainCallHitHeldReference()
    {
        var found = 0;
        for (var i = 0; i < KeyCount; i++)
        {
            if (await _references[i].TryGetAsync(new CacheProbe(_texts[i], null)) is not null)
            {
                found++;
            }
        }

        return found;
    }

    private async Task SetupAsync()
    {
        _cluster = await BenchCluster.StartAsync(
            BenchCluster.InstantBackend(),
            maxEntries: 10_000,
            settings: [new("Silo:Metrics:GrainCalls", Instrumentation == "off" ? "false" : "true")]);
        var services = _cluster.Services;
        _cache = services.GetRequiredService<PredictionService>();
        _model = _cache.Models.DefaultModel;
        _descriptor = _model.Descriptor;
        _published = services.GetRequiredService<SiloLocalEntries>();
        _directory = services.GetRequiredService<SiloLocalDirectory>();
        _grains = _cluster.Grains;
        for (var i = 0; i < KeyCount; i++)
        {
            var text = $"benchmark hit text number {i}";
            _texts[i] = text;
            _keys[i] = KeyBuilder.Build(_descriptor, text);
            _shards[i] = _directory.ShardOf(_keys[i]);
            await BenchCluster.InsertAsync(_cache, _cluster.Jobs, _model, text);
            _references[i] = _grains.GetGrain<IPredictionGrain>(_keys[i]);
            var entry = await _references[i].TryGetAsync(new CacheProbe(text, null))
                ?? throw new InvalidOperationException($"Entry {i} is not cached after its insert.");
            _dictionary[_keys[i]] = entry;
        }

        if (_published.Count != KeyCount)
        {
            throw new InvalidOperationException($"{_published.Count} entries are published, not {KeyCount}.");
        }
    }

    private sealed class HitConfig : ManualConfig
    {
        public HitConfig()
        {
            AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(5)
                .WithIterationCount(15)
                .WithMinIterationTime(TimeInterval.FromMilliseconds(200))
                .WithId("InProcess-15x"));

            // On a shared 2-core machine the median and minimum say more than the mean.
            AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        }
    }
}

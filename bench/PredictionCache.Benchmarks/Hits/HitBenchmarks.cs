using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using PredictionCache.Benchmarks.Hosting;
using PredictionCache.Gateway.Telemetry;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Prediction;
using PredictionCache.Silo;

namespace PredictionCache.Benchmarks.Hits;

/// <summary>
/// Target (a): an in-process cache hit through the grain reference on warm, active grains, against a plain
/// <see cref="ConcurrentDictionary{TKey, TValue}"/> lookup of the same keys. Each invocation looks up every key once
/// (1,024 keys, so the figures are per lookup). In-process, one launch, 5 warm-up and 15 measured iterations: the
/// machine is small and shared, so a short job, but not so short that one noisy iteration decides the ratio.
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
    private CacheHost? _host;
    private DirectoryShards _directory = null!;
    private IGrainFactory _grains = null!;
    private MetricsCollector? _collector;

    /// <summary>
    /// <c>off</c>: grain-call instrumentation off (<c>Silo:Metrics:GrainCalls=false</c>) and nothing listening: the hit
    /// path as it would be without instrumentation. <c>on</c>: the default, calls counted (striped counter) and
    /// 1 in 1024 timed, nothing listening. <c>on+listener</c>: as <c>on</c>, with the gateway's metrics collector (the
    /// <see cref="MeterListener"/> behind <c>/metrics</c> and the dashboard) aggregating the sampled durations.
    /// In one process a case run later measures slower whatever it is (tiered JIT with dynamic PGO keeps the hot path
    /// compiled for the first case), so compare them one per process: <c>HIT_INSTRUMENTATION=off</c> (or <c>on</c>,
    /// <c>on+listener</c>) runs only that case; unset, all three run.
    /// </summary>
    [ParamsSource(nameof(InstrumentationModes))]
    public string Instrumentation { get; set; } = "on";

    /// <summary>The cases to run: <c>HIT_INSTRUMENTATION</c> (comma-separated) or all three.</summary>
    public static IEnumerable<string> InstrumentationModes =>
        Environment.GetEnvironmentVariable("HIT_INSTRUMENTATION")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        ?? ["off", "on", "on+listener"];

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_collector is { } collector)
        {
            // Proof the listener saw the sampled hits: the histogram of TryGetAsync has a count.
            var samples = collector.Collect()
                .Where(m => m.Name == "predictioncache.grain.call.duration")
                .SelectMany(m => m.Series)
                .Where(s => s.Tag("grain.method") == nameof(IPredictionGrain.TryGetAsync))
                .Sum(s => s.Count);
            Console.WriteLine($"// listener: {samples} sampled TryGetAsync durations recorded");
            collector.Dispose();
        }

        _host?.DisposeAsync().AsTask().GetAwaiter().GetResult();
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

    /// <summary>The dictionary plus what a hit must also check: freshness against the clock and the normalized text.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public int DictionaryLookupAndServes()
    {
        var found = 0;
        var time = TimeProvider.System;
        for (var i = 0; i < KeyCount; i++)
        {
            if (_dictionary.TryGetValue(_keys[i], out var entry) && entry.Serves(_texts[i], time.GetUtcNow(), null))
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>Target (a): <c>GetGrain&lt;IPredictionGrain&gt;(key).TryGetAsync(new CacheProbe(text, null))</c>.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public int GrainHit()
    {
        var found = 0;
        for (var i = 0; i < KeyCount; i++)
        {
            if (Completed(_grains.GetGrain<IPredictionGrain>(_keys[i]).TryGetAsync(new CacheProbe(_texts[i], null))) is not null)
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>The same call on references resolved beforehand: what <c>GetGrain</c> costs is the difference.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public int GrainHitHeldReference()
    {
        var found = 0;
        for (var i = 0; i < KeyCount; i++)
        {
            if (Completed(_references[i].TryGetAsync(new CacheProbe(_texts[i], null))) is not null)
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>Part of a hit: one read of the system clock (<c>CacheEntry.Serves</c> takes one per hit).</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public long SystemClock()
    {
        long sum = 0;
        var time = TimeProvider.System;
        for (var i = 0; i < KeyCount; i++)
        {
            sum += time.GetUtcNow().UtcTicks;
        }

        return sum;
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

    private static CacheEntry? Completed(ValueTask<CacheEntry?> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException("The hit path went asynchronous: the grain is not warm.");

    private async Task SetupAsync()
    {
        _host = await CacheHost.StartAsync(
            maxEntries: 10_000, settings: [("Silo:Metrics:GrainCalls", Instrumentation == "off" ? "false" : "true")]);
        _grains = _host.Grains;
        _directory = _host.Services.GetRequiredService<DirectoryShards>();
        if (Instrumentation == "on+listener")
        {
            _collector = new MetricsCollector(_host.Services.GetRequiredService<IMeterFactory>());
        }
        for (var i = 0; i < KeyCount; i++)
        {
            var text = $"benchmark hit text number {i}";
            _texts[i] = text;
            _keys[i] = KeyBuilder.Build(FakeInferenceBackend.Descriptor, text);
            _shards[i] = _directory.ShardOf(_keys[i]);
            await _host.InsertAsync(text);
            _references[i] = _grains.GetGrain<IPredictionGrain>(_keys[i]);
            var entry = Completed(_references[i].TryGetAsync(new CacheProbe(text, null)))
                ?? throw new InvalidOperationException($"Entry {i} is not cached after its insert.");
            _dictionary[_keys[i]] = entry;
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

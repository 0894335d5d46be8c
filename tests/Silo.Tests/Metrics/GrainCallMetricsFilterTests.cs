using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Placement;
using PredictionCache.Silo.Telemetry;
using PredictionCache.TestKit;

namespace PredictionCache.Silo.Tests.Metrics;

/// <summary>
/// <see cref="GrainCallMetricsFilter"/> on a one-silo cluster: the cache's own grain calls counted and timed by grain
/// type and method, on the silo's own meter; Orleans' own calls and timer ticks left out; off with
/// <c>Silo:Metrics:GrainCalls=false</c>.
/// </summary>
public sealed class GrainCallMetricsFilterTests
{
    private const string Calls = "predictioncache.grain.calls";
    private const string Duration = "predictioncache.grain.call.duration";

    [Fact]
    public async Task OwnGrainCalls_CountedAndTimedByGrainTypeAndMethod()
    {
        // Arrange
        await using var clusterHost = await TestClusters.StartAsync(1, TestClusters.Memory());
        var cluster = clusterHost.Cluster;
        using var recorder = new MeasurementRecorder(cluster.Silos[0].ServiceProvider);
        var grain = cluster.Client.GetGrain<IMeteredGrain>("calls");

        // Act
        for (var i = 0; i < 3; i++)
        {
            await grain.PingAsync();
        }

        await grain.GetTicksAsync();

        // Assert
        Assert.Equal([1, 1, 1], recorder.Values(Calls, MeteredGrain.GrainTypeName, nameof(IMeteredGrain.PingAsync)));
        Assert.Equal([1], recorder.Values(Calls, MeteredGrain.GrainTypeName, nameof(IMeteredGrain.GetTicksAsync)));
        Assert.Equal(4, recorder.Measurements(Calls).Count(m => Equals(m.Tags["grain.type"], MeteredGrain.GrainTypeName)));
        var durations = recorder.Values(Duration, MeteredGrain.GrainTypeName, nameof(IMeteredGrain.PingAsync));
        Assert.Equal(3, durations.Count);
        Assert.All(durations, seconds => Assert.InRange(seconds, 0, 60));
    }

    [Fact]
    public async Task CacheGrainCall_TaggedWithTheOrleansGrainType()
    {
        // Arrange
        await using var clusterHost = await TestClusters.StartAsync(1, TestClusters.Memory());
        var cluster = clusterHost.Cluster;
        using var recorder = new MeasurementRecorder(cluster.Silos[0].ServiceProvider);
        var shard = cluster.Client.GetGrain<ICacheDirectoryGrain>(SiloBoundPlacement.KeyOf(cluster.Silos[0].SiloAddress, "0"));

        // Act
        await shard.GetKeysAsync();

        // Assert
        Assert.Contains(1, recorder.Values(Calls, "predictioncache.directory", nameof(ICacheDirectoryGrain.GetKeysAsync)));
        Assert.NotEmpty(recorder.Values(Duration, "predictioncache.directory", nameof(ICacheDirectoryGrain.GetKeysAsync)));
    }

    [Fact]
    public async Task OrleansOwnCalls_AreLeftOut()
    {
        // Arrange
        await using var clusterHost = await TestClusters.StartAsync(1, TestClusters.Memory());
        var cluster = clusterHost.Cluster;
        using var recorder = new MeasurementRecorder(cluster.Silos[0].ServiceProvider);

        // Act: a call to Orleans' management grain, then one of ours, so the silo has handled both.
        await cluster.Client.GetGrain<IManagementGrain>(0).GetHosts();
        await cluster.Client.GetGrain<IMeteredGrain>("after").PingAsync();

        // Assert: only the cache's own grain types, never Orleans' (sys.*, system targets).
        Assert.NotEmpty(recorder.Measurements(Calls));
        Assert.All(
            recorder.Measurements(Calls).Concat(recorder.Measurements(Duration)),
            m => Assert.StartsWith("predictioncache.", (string)m.Tags["grain.type"]!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TimerTick_IsNotCounted()
    {
        // Arrange: the grain clock is the test's, so the tick comes when the test moves it.
        var clock = new TestClock();
        var signal = new TickSignal();
        await using var host = await TestClusters.StartAsync(1, TestClusters.Memory(), services => services.AddSingleton(signal), clock);
        var cluster = host.Cluster;
        using var recorder = new MeasurementRecorder(cluster.Silos[0].ServiceProvider);
        var grain = cluster.Client.GetGrain<IMeteredGrain>("ticking");
        var due = TimeSpan.FromMinutes(7);

        // Orleans creates a grain timer's clock timer unarmed and arms it in RegisterGrainTimer, within this call.
        await grain.ArmTimerAsync(due);

        // Act
        clock.Advance(due);
        await signal.Ticked.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The tick's turn is over once a later call runs (the timer does not interleave): had the filter seen the
        // tick, it would have recorded it by now.
        var ticks = await grain.GetTicksAsync();

        // Assert
        Assert.Equal(1, ticks);
        var methods = recorder.Measurements(Calls)
            .Where(m => Equals(m.Tags["grain.type"], MeteredGrain.GrainTypeName))
            .Select(m => (string)m.Tags["grain.method"]!)
            .ToArray();
        Assert.Equal([nameof(IMeteredGrain.ArmTimerAsync), nameof(IMeteredGrain.GetTicksAsync)], methods);
        Assert.Equal(2, recorder.Measurements(Duration).Count(m => Equals(m.Tags["grain.type"], MeteredGrain.GrainTypeName)));
    }

    [Fact]
    public async Task GrainCallsOff_NothingIsRecorded()
    {
        // Arrange
        var settings = TestClusters.Memory();
        settings["Silo:Metrics:GrainCalls"] = "false";
        await using var clusterHost = await TestClusters.StartAsync(1, settings);
        var cluster = clusterHost.Cluster;
        using var recorder = new MeasurementRecorder(cluster.Silos[0].ServiceProvider);
        var grain = cluster.Client.GetGrain<IMeteredGrain>("off");

        // Act
        for (var i = 0; i < 3; i++)
        {
            await grain.PingAsync();
        }

        // Assert
        Assert.False(cluster.Silos[0].ServiceProvider.GetRequiredService<SiloMetrics>().CountsGrainCalls);
        Assert.Empty(recorder.Measurements(Calls));
        Assert.Empty(recorder.Measurements(Duration));
    }

    [Fact]
    public async Task Meter_IsTheSilosOwn_AnotherSilosCallsDoNotReportIntoIt()
    {
        // Arrange
        await using var clusterHost = await TestClusters.StartAsync(1, TestClusters.Memory());
        var cluster = clusterHost.Cluster;
        await using var otherHost = await TestClusters.StartAsync(1, TestClusters.Memory());
        var other = otherHost.Cluster;
        var metrics = cluster.Silos[0].ServiceProvider.GetRequiredService<SiloMetrics>();
        using var recorder = new MeasurementRecorder(cluster.Silos[0].ServiceProvider);

        // Act
        await other.Client.GetGrain<IMeteredGrain>("elsewhere").PingAsync();

        // Assert
        Assert.NotSame(metrics.Meter, other.Silos[0].ServiceProvider.GetRequiredService<SiloMetrics>().Meter);
        Assert.Equal(SiloMetrics.MeterName, metrics.Meter.Name);
        Assert.Same(cluster.Silos[0].ServiceProvider.GetRequiredService<IMeterFactory>(), metrics.Meter.Scope);
        Assert.Empty(recorder.Values(Calls, MeteredGrain.GrainTypeName, nameof(IMeteredGrain.PingAsync)));
    }

    private sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

    /// <summary>
    /// Listens to one silo's meter only (<see cref="SiloMetrics.MeterName"/> created by that silo's
    /// <see cref="IMeterFactory"/>), so silos of tests running in parallel do not interfere.
    /// </summary>
    private sealed class MeasurementRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measurement> _measurements = new();

        public MeasurementRecorder(IServiceProvider silo)
        {
            var factory = silo.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SiloMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.Start();
        }

        public IReadOnlyList<Measurement> Measurements(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument)];

        public IReadOnlyList<double> Values(string instrument, string grainType, string method) =>
            [.. Measurements(instrument).Where(m => Equals(m.Tags["grain.type"], grainType) && Equals(m.Tags["grain.method"], method)).Select(m => m.Value)];

        public void Dispose() => _listener.Dispose();

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var tagMap = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                tagMap[tag.Key] = tag.Value;
            }

            _measurements.Enqueue(new Measurement(instrument.Name, value, tagMap));
        }
    }
}

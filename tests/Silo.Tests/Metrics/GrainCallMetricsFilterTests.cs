using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Silo.Metrics;
using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests;

public sealed class SiloMetricsTests
{
    [Fact]
    public async Task Activations_UpPerActivationDownPerDeactivation_ByGrainType()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        using var recorder = new MeasurementRecorder(silo.Metrics);

        // Act
        await silo.GetGrain<ICounterGrain>("a").GetValueAsync();
        await silo.GetGrain<ICounterGrain>("b").GetValueAsync();
        await silo.GetGrain<ICounterGrain>("c").GetValueAsync();
        await silo.GetGrain<ILedgerGrain>("a").GetValueAsync();
        var afterActivation = recorder.Sum("predictioncache.silo.activations", "counter");
        await silo.GetGrain<ICounterGrain>("b").DeactivateOnIdleAsync("test");

        // Assert
        Assert.Equal(3, afterActivation);
        Assert.Equal(2, recorder.Sum("predictioncache.silo.activations", "counter"));
        Assert.Equal(1, recorder.Sum("predictioncache.silo.activations", "ledger"));
        Assert.Equal([1, 1, 1, -1], recorder.Values("predictioncache.silo.activations", "counter"));
        Assert.Equal(1, recorder.Sum("predictioncache.silo.deactivations", "counter"));
        Assert.Equal(
            nameof(DeactivationReasonCode.ExternalRequest),
            Assert.Single(recorder.Measurements("predictioncache.silo.deactivations")).Tags["reason"]);

        var counts = silo.Management.GetActivationCounts();
        Assert.Equal(2, counts["counter"]);
        Assert.Equal(1, counts["ledger"]);
        Assert.Equal(0, counts["turn"]);
        Assert.Equal(recorder.Sum("predictioncache.silo.activations", "counter"), silo.Management.GetActivationCount<CounterGrain>());
    }

    [Theory]
    [InlineData(true, 3)]
    [InlineData(false, 0)]
    public async Task GrainCalls_CountedUnlessSilometricsGrainCallsIsOff(bool enabled, long expected)
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync(services => services.Configure<SiloMetricsOptions>(o => o.GrainCalls = enabled));
        using var recorder = new MeasurementRecorder(silo.Metrics);
        var grain = silo.GetGrain<ICounterGrain>("calls");

        // Act
        for (var i = 0; i < 3; i++)
        {
            await grain.GetValueAsync();
        }

        recorder.Observe();

        // Assert
        Assert.Equal(expected, recorder.Sum("predictioncache.grain.calls", "counter"));
    }

    [Fact]
    public async Task Activations_FailedActivation_IsNotCounted()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        using var recorder = new MeasurementRecorder(silo.Metrics);
        var grain = silo.GetGrain<IFlakyActivationGrain>("flaky");

        // Act
        await Assert.ThrowsAsync<InvalidOperationException>(grain.GetAttemptAsync);
        await grain.GetAttemptAsync();

        // Assert
        Assert.Equal([1], recorder.Values("predictioncache.silo.activations", "flakyactivation"));
        Assert.Equal(1, silo.Management.GetActivationCounts()["flakyactivation"]);
    }

    [Fact]
    public async Task Meter_IsTheSilosOwn_OtherSilosDoNotReportIntoIt()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        await using var other = await TestSilo.StartAsync();
        using var recorder = new MeasurementRecorder(silo.Metrics);

        // Act
        await other.GetGrain<ICounterGrain>("elsewhere").GetValueAsync();

        // Assert
        Assert.NotSame(silo.Metrics.Meter, other.Metrics.Meter);
        Assert.Equal(SiloMetrics.MeterName, silo.Metrics.Meter.Name);
        Assert.Empty(recorder.Measurements("predictioncache.silo.activations"));
    }

    private sealed record Measurement(string Instrument, long Value, IReadOnlyDictionary<string, object?> Tags);

    /// <summary>Listens to one silo's meter instance only, so silos of tests running in parallel do not interfere.</summary>
    private sealed class MeasurementRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measurement> _measurements = new();

        public MeasurementRecorder(SiloMetrics metrics)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == metrics.Meter)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var tagMap = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var tag in tags)
                {
                    tagMap[tag.Key] = tag.Value;
                }

                _measurements.Enqueue(new Measurement(instrument.Name, value, tagMap));
            });
            _listener.Start();
        }

        /// <summary>Takes one reading of the observable instruments (the call counters).</summary>
        public void Observe() => _listener.RecordObservableInstruments();

        public IReadOnlyList<Measurement> Measurements(string instrument) => _measurements.Where(m => m.Instrument == instrument).ToList();

        public IReadOnlyList<long> Values(string instrument, string grainType) =>
            Measurements(instrument).Where(m => Equals(m.Tags["grain.type"], grainType)).Select(m => m.Value).ToList();

        public long Sum(string instrument, string grainType) => Values(instrument, grainType).Sum();

        public void Dispose() => _listener.Dispose();
    }
}

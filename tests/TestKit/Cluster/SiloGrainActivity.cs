using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Orleans.Metadata;

namespace PredictionCache.TestKit;

/// <summary>
/// One silo's activations as the test sees them: each activation of the cache's grains (their grain types start with
/// <c>predictioncache.</c>) is counted when its lifecycle starts and uncounted when it stops (after
/// <c>OnDeactivateAsync</c>: what the grain does on its way out has been done). Every activation, deactivation and
/// finished grain call (the silo's call-metrics filter records one) announces a change on the cluster's
/// <see cref="ChangeSignal"/>, so tests wait for deactivations, which run after the turn that asked for them,
/// instead of polling.
/// </summary>
public sealed class SiloGrainActivity : IConfigureGrainContextProvider, IDisposable
{
    private const string CacheGrainTypePrefix = "predictioncache.";
    private const string SiloMeterName = "PredictionCache.Silo";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<string, int>> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _deactivations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _activations = new(StringComparer.Ordinal);
    private readonly MeterListener _calls = new();

    /// <param name="changes">Where changes are announced (one signal for the whole cluster).</param>
    /// <param name="meters">This silo's meter factory: the grain calls on its meter are this silo's.</param>
    public SiloGrainActivity(ChangeSignal changes, IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(changes);
        Changes = changes;
        _calls.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Meter.Name == SiloMeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _calls.SetMeasurementEventCallback<long>((_, _, _, _) => Changes.Notify());
        _calls.SetMeasurementEventCallback<double>((_, _, _, _) => Changes.Notify());
        _calls.Start();
    }

    /// <summary>The signal every change on this silo is announced on.</summary>
    public ChangeSignal Changes { get; }

    /// <summary>Activations of <paramref name="grainType"/> (such as <c>predictioncache.prediction</c>) alive on this silo now.</summary>
    public int ActiveCount(string grainType)
    {
        lock (_lock)
        {
            return _active.TryGetValue(grainType, out var keys) ? keys.Values.Sum() : 0;
        }
    }

    /// <summary>Whether the grain of <paramref name="grainType"/> keyed <paramref name="key"/> has an activation on this silo now.</summary>
    public bool IsActive(string grainType, string key)
    {
        lock (_lock)
        {
            return _active.TryGetValue(grainType, out var keys) && keys.ContainsKey(key);
        }
    }

    /// <summary>The keys of <paramref name="grainType"/> active on this silo now.</summary>
    public IReadOnlyCollection<string> ActiveKeys(string grainType)
    {
        lock (_lock)
        {
            return _active.TryGetValue(grainType, out var keys) ? [.. keys.Keys] : [];
        }
    }

    /// <summary>Activations of <paramref name="grainType"/> created on this silo so far.</summary>
    public int Activations(string grainType)
    {
        lock (_lock)
        {
            return _activations.GetValueOrDefault(grainType);
        }
    }

    /// <summary>Activations of <paramref name="grainType"/> that have finished deactivating on this silo so far.</summary>
    public int Deactivations(string grainType)
    {
        lock (_lock)
        {
            return _deactivations.GetValueOrDefault(grainType);
        }
    }

    /// <summary>Completes once <paramref name="count"/> activations of <paramref name="grainType"/> have deactivated on this silo in all.</summary>
    public Task WaitForDeactivationsAsync(string grainType, int count) =>
        Changes.WaitUntilAsync(() => Deactivations(grainType) >= count, $"{count} deactivations of {grainType}");

    /// <summary>Completes once the grain of <paramref name="grainType"/> keyed <paramref name="key"/> has no activation on this silo.</summary>
    public Task WaitForInactiveAsync(string grainType, string key) =>
        Changes.WaitUntilAsync(() => !IsActive(grainType, key), $"the deactivation of {grainType}/{key}");

    bool IConfigureGrainContextProvider.TryGetConfigurator(
        GrainType grainType, GrainProperties properties, [NotNullWhen(true)] out IConfigureGrainContext? configurator)
    {
        var name = grainType.ToString();
        configurator = name is not null && name.StartsWith(CacheGrainTypePrefix, StringComparison.Ordinal) ? new Observer(this, name) : null;
        return configurator is not null;
    }

    public void Dispose() => _calls.Dispose();

    private void Started(string grainType, string key)
    {
        lock (_lock)
        {
            if (!_active.TryGetValue(grainType, out var keys))
            {
                _active[grainType] = keys = new Dictionary<string, int>(StringComparer.Ordinal);
            }

            keys[key] = keys.GetValueOrDefault(key) + 1;
            _activations[grainType] = _activations.GetValueOrDefault(grainType) + 1;
        }

        Changes.Notify();
    }

    private void Stopped(string grainType, string key)
    {
        lock (_lock)
        {
            var keys = _active[grainType];
            if (--keys[key] == 0)
            {
                keys.Remove(key);
            }

            _deactivations[grainType] = _deactivations.GetValueOrDefault(grainType) + 1;
        }

        Changes.Notify();
    }

    /// <summary>Subscribes each new activation's lifecycle at its first stage: started first, stopped last.</summary>
    private sealed class Observer(SiloGrainActivity activity, string grainType) : IConfigureGrainContext
    {
        public void Configure(IGrainContext context)
        {
            var key = context.GrainId.Key.ToString()!;
            context.ObservableLifecycle.Subscribe(
                nameof(SiloGrainActivity),
                GrainLifecycleStage.First,
                _ =>
                {
                    activity.Started(grainType, key);
                    return Task.CompletedTask;
                },
                _ =>
                {
                    activity.Stopped(grainType, key);
                    return Task.CompletedTask;
                });
        }
    }
}

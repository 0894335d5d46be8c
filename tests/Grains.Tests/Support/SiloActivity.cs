using System.Diagnostics.Metrics;

namespace PredictionCache.Grains.Tests.Support;

/// <summary>
/// Watches one silo's activation and deactivation instruments (on the meter its own <see cref="IMeterFactory"/>
/// created), so tests await deactivations, which run after the turn that asked for them, instead of polling.
/// </summary>
internal sealed class SiloActivity : IDisposable
{
    private const string MeterName = "PredictionCache.Silo";
    private const string DeactivationsInstrument = "predictioncache.silo.deactivations";

    private readonly object _lock = new();
    private readonly MeterListener _listener = new();
    private readonly Dictionary<(string GrainType, string Reason), int> _deactivations = [];
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = [];

    public SiloActivity(IMeterFactory meters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Meter.Name == MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Deactivations of <paramref name="grainType"/> so far, for one reason or all.</summary>
    public int Deactivations(string grainType, string? reason = null)
    {
        lock (_lock)
        {
            return _deactivations.Where(d => d.Key.GrainType == grainType && (reason is null || d.Key.Reason == reason)).Sum(d => d.Value);
        }
    }

    /// <summary>Completes once <paramref name="condition"/> holds, checking it now and after every (de)activation.</summary>
    public Task WaitUntilAsync(Func<bool> condition)
    {
        lock (_lock)
        {
            if (condition())
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((condition, done));
            return done.Task.WaitAsync(CacheHost.HangGuard);
        }
    }

    /// <summary>Completes once <paramref name="count"/> activations of <paramref name="grainType"/> have been deactivated in all (for <paramref name="reason"/>, if given).</summary>
    public Task WaitForDeactivationsAsync(string grainType, int count, string? reason = null) =>
        WaitUntilAsync(() => Deactivations(grainType, reason) >= count);

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        List<TaskCompletionSource>? done = null;
        lock (_lock)
        {
            if (instrument.Name == DeactivationsInstrument)
            {
                string? grainType = null;
                string? reason = null;
                foreach (var tag in tags)
                {
                    switch (tag.Key)
                    {
                        case "grain.type":
                            grainType = tag.Value as string;
                            break;
                        case "reason":
                            reason = tag.Value as string;
                            break;
                    }
                }

                var key = (grainType ?? "?", reason ?? "?");
                _deactivations[key] = _deactivations.GetValueOrDefault(key) + (int)value;
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition())
                {
                    (done ??= []).Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }

        done?.ForEach(d => d.TrySetResult());
    }
}

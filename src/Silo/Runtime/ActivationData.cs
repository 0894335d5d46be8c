using PredictionCache.Silo.Timers;

namespace PredictionCache.Silo.Runtime;

/// <summary>
/// One activation of a grain, as Orleans' <c>ActivationData</c>: the grain instance, its turn gate, its timers
/// and its lifecycle (created → active → deactivating → deactivated). A deactivated activation is out of the
/// catalog; callers that were waiting on it retry on a new one.
/// </summary>
internal sealed class ActivationData
{
    private const int Created = 0;
    private const int Active = 1;
    private const int Deactivating = 2;
    private const int Deactivated = 3;

    private readonly TurnGate _gate = new();
    private readonly object _timersLock = new();
    private List<GrainTimer>? _timers;
    private Grain? _grain;
    private Task? _deactivation;
    private volatile int _state;
    private long _lastUsed;

    public ActivationData(GrainTypeRuntime type, string key)
    {
        Type = type;
        Key = key;
        _lastUsed = type.Silo.TimeProvider.GetTimestamp();
    }

    public GrainTypeRuntime Type { get; }

    public string Key { get; }

    public SiloRuntime Runtime => Type.Silo;

    public GrainId GrainId => new(Type.GrainType, Key);

    public bool IsActive => _state == Active;

    public bool IsDeactivated => _state == Deactivated;

    /// <summary>The grain instance; valid once active.</summary>
    public Grain Grain => _grain!;

    public TurnGate Gate => _gate;

    public void MarkUsed()
    {
        if (Type.Collectable)
        {
            Volatile.Write(ref _lastUsed, Runtime.TimeProvider.GetTimestamp());
        }
    }

    public bool IsIdleFor(TimeSpan age) =>
        _state == Active && _gate.IsIdle && Runtime.TimeProvider.GetElapsedTime(Volatile.Read(ref _lastUsed)) >= age;

    /// <summary>Makes the activation active, inside an exclusive turn the caller holds.</summary>
    /// <returns>False when the activation is (being) deactivated: the caller retries on a new one.</returns>
    public async ValueTask<bool> EnsureActiveAsync()
    {
        switch (_state)
        {
            case Active:
                return true;
            case Created:
                break;
            default:
                return false;
        }

        try
        {
            var grain = await Type.CreateGrainAsync(this, Runtime.Stopping);
            _grain = grain;
            await grain.OnActivateAsync(Runtime.Stopping);
        }
        catch (Exception ex)
        {
            _state = Deactivated;
            DisposeTimers();
            Type.Remove(this);
            SiloLog.ActivationFailed(Runtime.Logger, ex, GrainId);
            throw;
        }

        _state = Active;
        Type.OnActivated();
        return true;
    }

    /// <summary>Deactivates after the running turn, ahead of queued callers; idempotent.</summary>
    public Task RequestDeactivation(DeactivationReason reason)
    {
        lock (_timersLock)
        {
            return _deactivation ??= DeactivateAsync(reason);
        }
    }

    public async Task<bool> RunInTurnAsync(Func<Task> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _gate.EnterAsync(exclusive: true);
        try
        {
            if (_state != Active)
            {
                return false;
            }

            await work();
            return true;
        }
        finally
        {
            _gate.Exit(exclusive: true);
        }
    }

    public IGrainTimer RegisterTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        var timer = new GrainTimer(this, callback, options);
        lock (_timersLock)
        {
            if (_state is Deactivating or Deactivated)
            {
                throw new InvalidOperationException($"Cannot register a timer on {GrainId}: it is deactivating.");
            }

            (_timers ??= []).Add(timer);
        }

        timer.Change(options.DueTime, options.Period);
        return timer;
    }

    public void OnTimerDisposed(GrainTimer timer)
    {
        lock (_timersLock)
        {
            _timers?.Remove(timer);
        }
    }

    private async Task DeactivateAsync(DeactivationReason reason)
    {
        // Take the head of the queue now, while the requesting turn (if any) still runs: a call already queued
        // behind that turn must not get a turn on an activation that is going away; it waits, then retries on a new
        // one. Then yield, so a call from inside a turn returns before the deactivation runs.
        var entered = _gate.EnterAsync(exclusive: true, priority: true);
        await Task.Yield();
        await entered;
        try
        {
            if (_state == Created)
            {
                _state = Deactivated;
                Type.Remove(this);
                return;
            }

            if (_state != Active)
            {
                return;
            }

            _state = Deactivating;
            try
            {
                await Grain.OnDeactivateAsync(reason, Runtime.Stopping);
            }
            catch (Exception ex)
            {
                SiloLog.DeactivationFailed(Runtime.Logger, ex, GrainId);
            }

            DisposeTimers();
            _state = Deactivated;
            Type.Remove(this);
            Type.OnDeactivated(reason);
        }
        finally
        {
            _gate.Exit(exclusive: true);
        }
    }

    private void DisposeTimers()
    {
        GrainTimer[] timers;
        lock (_timersLock)
        {
            if (_timers is null)
            {
                return;
            }

            timers = [.. _timers];
            _timers = null;
        }

        foreach (var timer in timers)
        {
            timer.Dispose();
        }
    }
}

using PredictionCache.Silo.Timers;

namespace PredictionCache.Silo.Runtime;

/// <summary>
/// One activation of a grain, as Orleans' <c>ActivationData</c>: the grain instance, its turn gate, its timers
/// and its lifecycle (created → active → deactivating → deactivated). A deactivated activation is out of the
/// catalog; callers that were waiting on it retry on a new one.
/// </summary>
/// <remarks>
/// It locks on itself (and its <see cref="TurnGate"/> on itself): both are internal and never handed out, and a
/// separate lock object per activation would cost 24 bytes for each of a million cached entries.
/// </remarks>
internal sealed class ActivationData
{
    private const int Created = 0;
    private const int Active = 1;
    private const int Deactivating = 2;
    private const int Deactivated = 3;

    private readonly TurnGate _gate = new();
    private GrainTimer? _timers;
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
        lock (this)
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

    public IGrainTimer RegisterTimer(GrainTimer timer, GrainTimerCreationOptions options)
    {
        lock (this)
        {
            if (_state is Deactivating or Deactivated)
            {
                throw new InvalidOperationException($"Cannot register a timer on {GrainId}: it is deactivating.");
            }

            timer.NextInActivation = _timers;
            _timers = timer;
        }

        timer.Change(options.DueTime, options.Period);
        return timer;
    }

    public void OnTimerDisposed(GrainTimer timer)
    {
        lock (this)
        {
            // An activation has a handful of timers at most: a linear unlink beats a list object per activation.
            GrainTimer? previous = null;
            for (var current = _timers; current is not null; previous = current, current = current.NextInActivation)
            {
                if (!ReferenceEquals(current, timer))
                {
                    continue;
                }

                if (previous is null)
                {
                    _timers = current.NextInActivation;
                }
                else
                {
                    previous.NextInActivation = current.NextInActivation;
                }

                current.NextInActivation = null;
                return;
            }
        }
    }

    private async Task DeactivateAsync(DeactivationReason reason)
    {
        // Queue at the head now, synchronously, so that no call made after the request (not even one made as soon as
        // the requesting turn returns) runs on this activation. A call from inside a turn queues behind that turn and
        // returns at once; when the gate was free we hold it, and yield so the requester does not run our teardown.
        var entered = _gate.EnterAsync(exclusive: true, priority: true);
        if (entered.IsCompleted)
        {
            await Task.Yield();
        }

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
        GrainTimer? timer;
        lock (this)
        {
            timer = _timers;
            _timers = null;
        }

        while (timer is not null)
        {
            var next = timer.NextInActivation;
            timer.NextInActivation = null;
            timer.Dispose();
            timer = next;
        }
    }
}

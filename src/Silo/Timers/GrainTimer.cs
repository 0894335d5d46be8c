using PredictionCache.Silo.Runtime;

namespace PredictionCache.Silo.Timers;

/// <summary>
/// A grain timer on the shared <see cref="TimerWheel"/>. A tick runs the callback as a turn of its activation
/// (or interleaved, if asked); the next tick is scheduled when the callback has finished, so ticks never overlap.
/// Kept small, since every cached entry owns one: no closure (the state is a field of
/// <see cref="GrainTimer{TState}"/>), no options object, and the cancellation source only once a tick runs.
/// </summary>
internal abstract class GrainTimer : WheelEntry, IGrainTimer
{
    private readonly ActivationData _activation;
    private readonly bool _interleave;
    private readonly bool _keepAlive;
    private CancellationTokenSource? _cancellation;
    private TimeSpan _period;
    private int _changes;
    private volatile bool _disposed;

    protected GrainTimer(ActivationData activation, GrainTimerCreationOptions options)
    {
        _activation = activation;
        _interleave = options.Interleave;
        _keepAlive = options.KeepAlive;
        _period = options.Period;
    }

    /// <summary>The tick in progress, if any: owned here so its failure is observed and logged.</summary>
    internal Task? CurrentTick { get; private set; }

    /// <summary>The next timer of the same activation (the activation's intrusive list).</summary>
    internal GrainTimer? NextInActivation { get; set; }

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _period = period;
        Interlocked.Increment(ref _changes);
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            _activation.Runtime.TimerWheel.Cancel(this);
        }
        else
        {
            _activation.Runtime.TimerWheel.Schedule(this, dueTime);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Volatile.Read(ref _cancellation)?.Cancel();
        _activation.Runtime.TimerWheel.Cancel(this);
        _activation.OnTimerDisposed(this);
    }

    internal override void Fire()
    {
        if (!_disposed)
        {
            CurrentTick = TickAsync();
        }
    }

    protected abstract Task InvokeAsync(CancellationToken cancellationToken);

    private CancellationToken Token()
    {
        if (_cancellation is null)
        {
            Interlocked.CompareExchange(ref _cancellation, new CancellationTokenSource(), null);

            // Disposed between the check in Fire and here: Dispose saw no source to cancel.
            if (_disposed)
            {
                _cancellation.Cancel();
            }
        }

        return _cancellation.Token;
    }

    private async Task TickAsync()
    {
        var exclusive = !_interleave;
        var changes = Volatile.Read(ref _changes);
        if (exclusive)
        {
            await _activation.Gate.EnterAsync(exclusive: true);
        }

        try
        {
            if (!_activation.IsActive || _disposed)
            {
                return;
            }

            if (_keepAlive)
            {
                _activation.MarkUsed();
            }

            await InvokeAsync(Token());
        }
        catch (OperationCanceledException) when (_disposed)
        {
            // Disposed while running: the cancellation is the expected way out.
        }
        catch (Exception ex)
        {
            SiloLog.TimerCallbackFailed(_activation.Runtime.Logger, ex, _activation.GrainId);
        }
        finally
        {
            if (exclusive)
            {
                _activation.Gate.Exit(exclusive: true);
            }
        }

        // A Change() made while this tick ran (typically by the callback itself) has already set the next tick.
        if (!_disposed && _period != Timeout.InfiniteTimeSpan && _activation.IsActive
            && Volatile.Read(ref _changes) == changes)
        {
            _activation.Runtime.TimerWheel.Schedule(this, _period);
        }
    }
}

/// <summary>A grain timer whose callback takes a state of type <typeparamref name="TState"/>.</summary>
internal sealed class GrainTimer<TState>(
    ActivationData activation, Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    : GrainTimer(activation, options)
{
    protected override Task InvokeAsync(CancellationToken cancellationToken) => callback(state, cancellationToken);
}

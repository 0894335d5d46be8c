using PredictionCache.Silo.Runtime;

namespace PredictionCache.Silo.Timers;

/// <summary>
/// A grain timer on the shared <see cref="TimerWheel"/>. A tick runs the callback as a turn of its activation
/// (or interleaved, if asked); the next tick is scheduled when the callback has finished, so ticks never overlap.
/// </summary>
internal sealed class GrainTimer : WheelEntry, IGrainTimer
{
    private readonly ActivationData _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly GrainTimerCreationOptions _options;
    private readonly CancellationTokenSource _disposed = new();
    private TimeSpan _period;
    private int _changes;

    public GrainTimer(ActivationData activation, Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        _activation = activation;
        _callback = callback;
        _options = options;
        _period = options.Period;
    }

    /// <summary>The tick in progress, if any: owned here so its failure is observed and logged.</summary>
    internal Task? CurrentTick { get; private set; }

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
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
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        _activation.Runtime.TimerWheel.Cancel(this);
        _activation.OnTimerDisposed(this);
    }

    internal override void Fire()
    {
        if (!_disposed.IsCancellationRequested)
        {
            CurrentTick = TickAsync();
        }
    }

    private async Task TickAsync()
    {
        var exclusive = !_options.Interleave;
        var changes = Volatile.Read(ref _changes);
        if (exclusive)
        {
            await _activation.Gate.EnterAsync(exclusive: true);
        }

        try
        {
            if (!_activation.IsActive || _disposed.IsCancellationRequested)
            {
                return;
            }

            if (_options.KeepAlive)
            {
                _activation.MarkUsed();
            }

            await _callback(_disposed.Token);
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
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
        if (!_disposed.IsCancellationRequested && _period != Timeout.InfiniteTimeSpan && _activation.IsActive
            && Volatile.Read(ref _changes) == changes)
        {
            _activation.Runtime.TimerWheel.Schedule(this, _period);
        }
    }
}

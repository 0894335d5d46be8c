namespace PredictionCache.Silo.Tests.Infrastructure;

/// <summary>Holds a grain call inside its turn: the call signals <see cref="Entered"/> and waits until the test calls <see cref="Release"/>.</summary>
public sealed class Blocker
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the blocked call is inside its turn.</summary>
    public Task Entered => _entered.Task.WaitAsync(TestSilo.Timeout);

    public bool HasEntered => _entered.Task.IsCompleted;

    /// <summary>Called by the grain when its turn starts; the returned task completes on <see cref="Release"/>.</summary>
    public Task EnterAndWaitAsync()
    {
        _entered.TrySetResult();
        return _released.Task.WaitAsync(TestSilo.Timeout);
    }

    public void Release() => _released.TrySetResult();
}

/// <summary>An async barrier: every party's task completes only once all <paramref name="parties"/> have arrived.</summary>
public sealed class Rendezvous(int parties)
{
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;

    public int Arrived => Volatile.Read(ref _arrived);

    public Task ArriveAndWaitAsync()
    {
        if (Interlocked.Increment(ref _arrived) == parties)
        {
            _all.TrySetResult();
        }

        return _all.Task.WaitAsync(TestSilo.Timeout);
    }
}

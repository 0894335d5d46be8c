namespace PredictionCache.TestKit;

/// <summary>
/// The tests' one way to wait: for a task (a gate reached, a job finished, a grain call answered), or for a condition
/// re-checked on real events (<see cref="ChangeSignal"/>, or a grain call whose answer is the check). Never on time:
/// <see cref="HangGuard"/> only turns a hang into a failure that says what did not happen.
/// </summary>
public static class TestWait
{
    /// <summary>How long a test waits for something that should happen at once before it fails instead of hanging.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    /// <summary>Awaits <paramref name="task"/>; fails with <paramref name="what"/> named if it has not finished within <see cref="HangGuard"/>.</summary>
    public static async Task ForAsync(Task task, string what)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            await task.WaitAsync(HangGuard);
        }
        catch (TimeoutException ex) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Waited {HangGuard.TotalSeconds:0} s for {what}.", ex);
        }
    }

    /// <summary>Awaits <paramref name="task"/>; fails with <paramref name="what"/> named if it has not finished within <see cref="HangGuard"/>.</summary>
    public static async Task<T> ForAsync<T>(Task<T> task, string what)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            return await task.WaitAsync(HangGuard);
        }
        catch (TimeoutException ex) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Waited {HangGuard.TotalSeconds:0} s for {what}.", ex);
        }
    }

    /// <summary>Awaits <paramref name="task"/> as <see cref="ForAsync{T}(Task{T}, string)"/> does.</summary>
    public static Task<T> ForAsync<T>(ValueTask<T> task, string what) => ForAsync(task.AsTask(), what);

    /// <summary>
    /// Runs <paramref name="check"/> (a grain call, a read whose answer is the event) until it answers true; fails
    /// with <paramref name="what"/> named when it has not within <see cref="HangGuard"/>. For conditions no event
    /// announces, such as a grain timer's tick scheduled after the test clock moved: each check is itself a round trip
    /// through the grain, so it re-checks on the grain's answer, not on time.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> check, string what)
    {
        ArgumentNullException.ThrowIfNull(check);
        using var guard = new CancellationTokenSource(HangGuard);
        while (!await check())
        {
            if (guard.IsCancellationRequested)
            {
                throw new TimeoutException($"Waited {HangGuard.TotalSeconds:0} s for {what}.");
            }

            // Lets the silo's scheduler run what the last answer was waiting on, without waiting on time.
            await Task.Yield();
        }
    }
}

/// <summary>
/// Announces that something a test watches may have changed (an activation came or went, a grain call finished), so
/// a test can wait for a condition over it: checked now and again on every change, never on a timer.
/// </summary>
public sealed class ChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _changes;

    /// <summary>Changes announced so far.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>Wakes every waiter to check its condition again.</summary>
    public void Notify()
    {
        Interlocked.Increment(ref _changes);
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>
    /// Completes once <paramref name="condition"/> holds, checked now and after every change; fails with
    /// <paramref name="what"/> named when it still does not after <see cref="TestWait.HangGuard"/>.
    /// </summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var guard = new CancellationTokenSource(TestWait.HangGuard);
        while (true)
        {
            // Taken before the check: a change between the check and the wait still wakes it.
            var next = Volatile.Read(ref _next).Task;
            if (condition())
            {
                return;
            }

            try
            {
                await next.WaitAsync(guard.Token);
            }
            catch (OperationCanceledException) when (guard.IsCancellationRequested)
            {
                throw new TimeoutException($"Waited {TestWait.HangGuard.TotalSeconds:0} s for {what}.");
            }
        }
    }
}

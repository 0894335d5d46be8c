namespace PredictionCache.Grains;

/// <summary>Work repeated on a clock until stopped: the one loop behind the silo's periodic upkeep and sweeps.</summary>
internal static class OnTheClock
{
    /// <summary>
    /// Runs <paramref name="work"/> every <paramref name="interval"/> of <paramref name="time"/> until
    /// <paramref name="stopping"/> is cancelled, which ends it quietly. A pass that fails (storage down) goes to
    /// <paramref name="failed"/>, and the next pass tries again.
    /// </summary>
    public static async Task RunAsync(
        TimeSpan interval, TimeProvider time, Func<CancellationToken, Task> work, Action<Exception> failed, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await work(stopping);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}

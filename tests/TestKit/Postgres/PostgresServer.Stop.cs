namespace PredictionCache.TestKit;

/// <summary>Stopping: by <see cref="DisposeAsync"/>, or at process exit for a server nobody disposed.</summary>
public sealed partial class PostgresServer
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private async Task StopAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await _dataSource.DisposeAsync();
        try
        {
            await _watchdog.StopAsync();
        }
        finally
        {
            _watchdog.Dispose();
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        lock (_stopGate)
        {
            if (_stop is not null)
            {
                return;
            }

            _stop = Task.CompletedTask;
        }

        // Waiting makes a plain process exit leave nothing behind; a test host killed while this waits still
        // does, since the watchdog carries on without us.
        _watchdog.StopAndWait(StopTimeout);
    }
}

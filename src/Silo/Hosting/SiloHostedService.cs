using Microsoft.Extensions.Hosting;
using PredictionCache.Silo.Collection;
using PredictionCache.Silo.Runtime;

namespace PredictionCache.Silo.Hosting;

/// <summary>Starts the timer wheel and idle collection with the host; on stop deactivates every activation.</summary>
internal sealed class SiloHostedService(SiloRuntime runtime, ActivationCollector collector) : IHostedService
{
    private readonly object _lock = new();
    private Task? _stop;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        runtime.TimerWheel.Start();
        collector.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // A host can be stopped twice at once: StopAsync while Run() is running makes Run() stop it too and then
        // dispose the container. Every caller awaits the one stop, so it runs once and nothing is disposed under it.
        lock (_lock)
        {
            return _stop ??= StopCoreAsync(cancellationToken);
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        collector.Dispose();

        // Closed first: a call arriving during shutdown must not create an activation nobody will deactivate.
        runtime.Close();
        await runtime.DeactivateAllAsync(cancellationToken);
        runtime.SignalStopping();
        runtime.TimerWheel.Dispose();
    }
}

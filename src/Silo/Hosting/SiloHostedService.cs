using Microsoft.Extensions.Hosting;
using PredictionCache.Silo.Collection;
using PredictionCache.Silo.Runtime;

namespace PredictionCache.Silo.Hosting;

/// <summary>Starts the timer wheel and idle collection with the host; on stop deactivates every activation.</summary>
internal sealed class SiloHostedService(SiloRuntime runtime, ActivationCollector collector) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        runtime.TimerWheel.Start();
        collector.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        collector.Dispose();
        await runtime.DeactivateAllAsync(cancellationToken);
        runtime.SignalStopping();
        runtime.TimerWheel.Dispose();
    }
}

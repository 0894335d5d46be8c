using Microsoft.Extensions.Options;
using PredictionCache.Silo.Runtime;

namespace PredictionCache.Silo.Collection;

/// <summary>
/// Idle collection, as Orleans' <c>ActivationCollector</c>: every <c>CollectionQuantum</c> it deactivates
/// activations that have been unused for their type's collection age. Types marked
/// <c>[CollectionAgeLimit(AlwaysActive = true)]</c> are skipped.
/// </summary>
internal sealed class ActivationCollector(SiloRuntime runtime, IOptions<GrainCollectionOptions> options) : IDisposable
{
    private ITimer? _timer;
    private int _running;

    /// <summary>The last collection started by the timer; owned here so its failure is observed.</summary>
    public Task LastCollection { get; private set; } = Task.CompletedTask;

    public void Start()
    {
        var quantum = options.Value.CollectionQuantum;
        _timer ??= runtime.TimeProvider.CreateTimer(static s => ((ActivationCollector)s!).OnTick(), this, quantum, quantum);
    }

    public void Dispose() => _timer?.Dispose();

    private void OnTick()
    {
        // Skip a tick rather than pile collections up when one is slow.
        if (Interlocked.Exchange(ref _running, 1) == 0)
        {
            LastCollection = CollectAsync();
        }
    }

    private async Task CollectAsync()
    {
        try
        {
            await runtime.ForceActivationCollectionAsync(TimeSpan.Zero);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }
}

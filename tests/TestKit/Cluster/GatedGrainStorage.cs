using Orleans.Storage;
using PredictionCache.Grains.Storage;
using PredictionCache.Silo.Storage;

namespace PredictionCache.TestKit;

/// <summary>
/// Grain storage whose writes can be held at a gate, so a test can keep a grain between deciding to store an entry
/// and storing it (or between reading a stored entry and using it); everything otherwise goes straight to the silo's own
/// provider. Install it with <see cref="CacheClusterServiceCollectionExtensions.UseGatedGrainStorage"/>.
/// </summary>
public sealed class GatedGrainStorage(IGrainStorage inner) : IGrainStorage, IGrainStateTableProvider
{
    public IGrainStateTable<TState> GetTable<TState>(string grainType, string stateName, GrainStateTable<TState> table) =>
        ((IGrainStateTableProvider)inner).GetTable(grainType, stateName, table);

    private readonly object _lock = new();
    private TaskCompletionSource _gate = Opened();
    private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _readGate = Opened();
    private TaskCompletionSource _readReached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Makes later writes wait until <see cref="ReleaseWrites"/>.</summary>
    public void HoldWrites()
    {
        lock (_lock)
        {
            _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseWrites()
    {
        lock (_lock)
        {
            _gate.TrySetResult();
        }
    }

    /// <summary>Completes once a write is waiting at the gate set by the last <see cref="HoldWrites"/>.</summary>
    public Task WriteReached()
    {
        lock (_lock)
        {
            return TestWait.ForAsync(_reached.Task, "a grain state write to reach the gate");
        }
    }

    /// <summary>Makes later reads wait, after they have read, until <see cref="ReleaseReads"/>.</summary>
    public void HoldReads()
    {
        lock (_lock)
        {
            _readGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _readReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseReads()
    {
        lock (_lock)
        {
            _readGate.TrySetResult();
        }
    }

    /// <summary>Completes once a read has read and is waiting at the gate set by the last <see cref="HoldReads"/>.</summary>
    public Task ReadReached()
    {
        lock (_lock)
        {
            return TestWait.ForAsync(_readReached.Task, "a grain state read to reach the gate");
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        await inner.ReadStateAsync(stateName, grainId, grainState, cancellationToken);
        Task gate;
        lock (_lock)
        {
            _readReached.TrySetResult();
            gate = _readGate.Task;
        }

        await gate;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        Task gate;
        lock (_lock)
        {
            _reached.TrySetResult();
            gate = _gate.Task;
        }

        await gate;
        await inner.WriteStateAsync(stateName, grainId, grainState, cancellationToken);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        inner.ClearStateAsync(stateName, grainId, grainState, cancellationToken);

    private static TaskCompletionSource Opened()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }
}

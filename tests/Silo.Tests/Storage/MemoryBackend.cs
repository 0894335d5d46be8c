using Orleans.Storage;
using PredictionCache.Silo.Storage;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>The in-memory provider: nothing to create, nothing to delete.</summary>
internal sealed class MemoryBackend : StorageBackend
{
    public override TimeSpan TimestampPrecision => TimeSpan.FromTicks(1);

    public override Task<IGrainStorage> CreateStorageAsync(TimeProvider time, IReadOnlyList<StateTableRegistration> tables) =>
        Task.FromResult<IGrainStorage>(new MemoryTableGrainStorage(time));

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

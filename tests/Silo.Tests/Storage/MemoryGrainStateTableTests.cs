namespace PredictionCache.Silo.Tests.Storage;

/// <summary>The state table upkeep contract on the in-memory provider.</summary>
public sealed class MemoryGrainStateTableTests : GrainStateTableContractTests
{
    private protected override StorageBackend CreateBackend() => new MemoryBackend();
}

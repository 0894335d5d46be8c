namespace PredictionCache.Silo.Tests.Storage;

/// <summary>The grain storage contract on the in-memory provider.</summary>
public sealed class MemoryTableGrainStorageTests : GrainStorageContractTests
{
    private protected override StorageBackend CreateBackend() => new MemoryBackend();
}

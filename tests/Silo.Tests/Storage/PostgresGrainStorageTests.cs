namespace PredictionCache.Silo.Tests.Storage;

/// <summary>The grain storage contract on a real PostgreSQL, a database per test.</summary>
public sealed class PostgresGrainStorageTests : GrainStorageContractTests
{
    private protected override StorageBackend CreateBackend() => new PostgresBackend();
}

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>The grain storage contract on SQLite, a file per test.</summary>
public sealed class SqliteGrainStorageTests : GrainStorageContractTests
{
    private protected override StorageBackend CreateBackend() => new SqliteBackend();
}

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>The state table upkeep contract on SQLite, a file per test.</summary>
public sealed class SqliteGrainStateTableTests : GrainStateTableContractTests
{
    private protected override StorageBackend CreateBackend() => new SqliteBackend();
}

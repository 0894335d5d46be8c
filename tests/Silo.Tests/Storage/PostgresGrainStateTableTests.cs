namespace PredictionCache.Silo.Tests.Storage;

/// <summary>The state table upkeep contract on a real PostgreSQL, a database per test.</summary>
public sealed class PostgresGrainStateTableTests : GrainStateTableContractTests
{
    private protected override StorageBackend CreateBackend() => new PostgresBackend();
}

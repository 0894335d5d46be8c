using PredictionCache.Silo.Storage;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>The <see cref="StorageDatabase"/> contract on a real PostgreSQL, a database per test.</summary>
public sealed class PostgresStorageDatabaseTests : StorageDatabaseContractTests
{
    private protected override SqlBackend CreateBackend() => new PostgresBackend();
}

using Microsoft.Data.Sqlite;
using PredictionCache.Silo.Storage;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>SQLite on a temporary file of the test's own, deleted (with its -wal and -shm) afterwards.</summary>
internal sealed class SqliteBackend : SqlBackend
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"silo-storage-{Guid.NewGuid():N}.db");

    public string ConnectionString => $"Data Source={Path}";

    public override TimeSpan TimestampPrecision => TimeSpan.FromMilliseconds(1);

    public override StorageDialect Dialect => SqliteDialect.Instance;

    public override Task<string> GetConnectionStringAsync() => Task.FromResult(ConnectionString);

    public override string Schema(string table) => TestEntrySchema.Sqlite(table);

    protected override string Seed(string table) => TestEntrySchema.SqliteSeed(table);

    protected override ValueTask DeleteDatabaseAsync()
    {
        // Pooled connections keep the file open.
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { Path, Path + "-wal", Path + "-shm" })
        {
            File.Delete(file);
        }

        return ValueTask.CompletedTask;
    }
}

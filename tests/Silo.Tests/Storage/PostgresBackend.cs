using Npgsql;
using PredictionCache.TestKit;
using PredictionCache.Silo.Storage;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>A fresh database on the shared real PostgreSQL server.</summary>
internal sealed class PostgresBackend : SqlBackend
{
    private readonly Lazy<Task<string>> _connectionString = new(CreateAsync);

    public override TimeSpan TimestampPrecision => TimeSpan.FromTicks(10);

    public override StorageDialect Dialect => PostgresDialect.Instance;

    public override Task<string> GetConnectionStringAsync() => _connectionString.Value;

    public override string Schema(string table) => TestEntrySchema.Postgres(table);

    protected override string Seed(string table) => TestEntrySchema.PostgresSeed(table);

    // The server is shared by the whole run and the process exit deletes it, databases and all.
    protected override ValueTask DeleteDatabaseAsync() => ValueTask.CompletedTask;

    private static async Task<string> CreateAsync()
    {
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

        // Tests run side by side on one server: each keeps to a few connections.
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 20 }.ConnectionString;
    }
}

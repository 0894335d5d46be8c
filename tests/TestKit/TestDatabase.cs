using Microsoft.Data.Sqlite;
namespace PredictionCache.TestKit;

/// <summary>
/// A database of one test's own on a real provider: a fresh SQLite file in the temporary folder (deleted with its
/// <c>-wal</c> and <c>-shm</c> files on dispose) or a fresh database on the shared throwaway PostgreSQL server.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    private readonly string? _file;

    private TestDatabase(string provider, string connectionString, string? file)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _file = file;
    }

    /// <summary>The <c>Storage:Provider</c> value.</summary>
    public string Provider { get; }

    /// <summary>The <c>Storage:ConnectionString</c> value.</summary>
    public string ConnectionString { get; }

    /// <summary>The storage settings a cache host needs to run on this database.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Storage:Provider"] = Provider,
        ["Storage:ConnectionString"] = ConnectionString,
    };

    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        switch (provider)
        {
            case Sqlite:
                var file = Path.Combine(Path.GetTempPath(), $"predictioncache-test-{Guid.NewGuid():N}.db");
                return new TestDatabase(provider, new SqliteConnectionStringBuilder { DataSource = file }.ConnectionString, file);
            case Postgres:
                var server = await PostgresServer.SharedAsync();
                return new TestDatabase(provider, await server.CreateDatabaseAsync(), null);
            default:
                throw new ArgumentException($"No test database for the provider '{provider}'.", nameof(provider));
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            // Pooled connections keep the file open; a pool cleared while a connection is out closes it on return.
            SqliteConnection.ClearAllPools();
            foreach (var path in new[] { _file, _file + "-wal", _file + "-shm" })
            {
                File.Delete(path);
            }
        }

        return ValueTask.CompletedTask;
    }
}

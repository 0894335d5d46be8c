using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace PredictionCache.Silo.Storage;

/// <summary>
/// One SQL database: its dialect, a data source for reads, one writer that commits writes in groups, and schema
/// migrations. Every write goes through <see cref="WriteAsync{T}"/>: concurrent writes share one transaction and one
/// commit (and, on SQLite, one fsync), and a write's task completes only after its transaction has committed.
/// </summary>
public sealed class StorageDatabase : IAsyncDisposable
{
    private readonly DbDataSource _dataSource;
    private readonly GroupCommitWriter _writer;

    /// <summary>Opens the data source; connections are made on first use.</summary>
    /// <param name="dialect">The provider's dialect.</param>
    /// <param name="connectionString">The connection string; never logged.</param>
    /// <param name="maxWriteBatch">The most writes one transaction commits.</param>
    /// <param name="logger">Where failed batches are logged.</param>
    public StorageDatabase(StorageDialect dialect, string connectionString, int maxWriteBatch, ILogger<StorageDatabase> logger)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        Dialect = dialect;
        _dataSource = dialect.CreateDataSource(connectionString);
        _writer = new GroupCommitWriter(this, maxWriteBatch, dialect.Writers, logger);
    }

    /// <summary>The provider's dialect.</summary>
    public StorageDialect Dialect { get; }

    /// <summary>Transactions committed by the writer so far (each may hold many writes).</summary>
    public long Commits => _writer.Commits;

    /// <summary>Opens a connection for reading; the caller disposes it.</summary>
    public async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>A command on <paramref name="connection"/>, in <paramref name="transaction"/> when given.</summary>
    public static DbCommand CreateCommand(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    /// <summary>
    /// Runs <paramref name="write"/> in the writer's next transaction and completes once that transaction has
    /// committed. <paramref name="write"/> may run twice (alone, after a batch it was in failed and rolled back),
    /// so it must not have effects outside the database. Cancellation counts until the write joins a batch.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return _writer.EnqueueAsync(write, cancellationToken);
    }

    /// <summary>
    /// Deletes in chunks of at most <paramref name="chunk"/> rows, each chunk its own write, so writes from requests
    /// interleave with a long sweep: <paramref name="sql"/> is a <c>DELETE</c> bounded by <c>LIMIT @limit</c>, and
    /// <paramref name="bind"/> adds its other parameters. Stops after <paramref name="maxRows"/> rows, or when a
    /// chunk deletes fewer than it was allowed. Returns how many rows were deleted.
    /// </summary>
    public async Task<long> DeleteInChunksAsync(
        string sql, int chunk, Action<DbCommand> bind, long maxRows = long.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sql);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunk);
        ArgumentNullException.ThrowIfNull(bind);
        long deleted = 0;
        while (deleted < maxRows)
        {
            var limit = (int)Math.Min(chunk, maxRows - deleted);
            var rows = await WriteAsync(
                async (connection, transaction) =>
                {
                    await using var command = CreateCommand(connection, sql, transaction);
                    Dialect.AddParameter(command, "limit", limit);
                    bind(command);
                    return await command.ExecuteNonQueryAsync();
                },
                cancellationToken);
            deleted += rows;
            if (rows < limit)
            {
                break;
            }
        }

        return deleted;
    }

    /// <summary>
    /// Brings <paramref name="component"/>'s schema to the last of <paramref name="migrations"/> (migration i makes
    /// version i + 1), in one transaction, recording the version in <c>schema_versions</c>. Idempotent: a database at
    /// that version is left alone. A database at a newer version than this build knows stops the start.
    /// </summary>
    public async Task MigrateAsync(string component, IReadOnlyList<string> migrations, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(component);
        ArgumentNullException.ThrowIfNull(migrations);
        await using var connection = await OpenConnectionAsync(cancellationToken);

        // Outside the transaction: SQLite cannot switch to WAL inside one.
        await Dialect.InitializeWriterAsync(connection, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Dialect.LockForMigrationAsync(connection, transaction, cancellationToken);
        await ExecuteAsync(
            connection,
            transaction,
            "CREATE TABLE IF NOT EXISTS schema_versions (component VARCHAR(100) PRIMARY KEY, version INTEGER NOT NULL)",
            cancellationToken);

        var current = await ReadSchemaVersionAsync(connection, transaction, component, cancellationToken);
        if (current > migrations.Count)
        {
            throw new InvalidOperationException(
                $"The database's '{component}' schema is at version {current}, newer than this build knows ({migrations.Count}). Run a newer build.");
        }

        for (var version = current + 1; version <= migrations.Count; version++)
        {
            await ExecuteAsync(connection, transaction, migrations[version - 1], cancellationToken);
        }

        if (current < migrations.Count)
        {
            await using var record = CreateCommand(
                connection,
                current == 0
                    ? "INSERT INTO schema_versions (component, version) VALUES (@component, @version)"
                    : "UPDATE schema_versions SET version = @version WHERE component = @component",
                transaction);
            Dialect.AddParameter(record, "component", component);
            Dialect.AddParameter(record, "version", migrations.Count);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The schema version recorded for <paramref name="component"/>; 0 when none, also on a database never migrated.</summary>
    public async Task<int> GetSchemaVersionAsync(string component, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(component);
        await using var connection = await OpenConnectionAsync(cancellationToken);

        // A read must not create the table (MigrateAsync does, under its lock), so ask whether it is there first.
        await using var exists = CreateCommand(connection, Dialect.TableExistsSql);
        Dialect.AddParameter(exists, "table", "schema_versions");
        if (!Convert.ToBoolean(await exists.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture))
        {
            return 0;
        }

        return await ReadSchemaVersionAsync(connection, null, component, cancellationToken);
    }

    private async Task<int> ReadSchemaVersionAsync(DbConnection connection, DbTransaction? transaction, string component, CancellationToken cancellationToken)
    {
        await using var command = CreateCommand(connection, "SELECT version FROM schema_versions WHERE component = @component", transaction);
        Dialect.AddParameter(command, "component", component);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken) ?? 0, CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    internal async Task<DbConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await Dialect.InitializeWriterAsync(connection, cancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = CreateCommand(connection, sql, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

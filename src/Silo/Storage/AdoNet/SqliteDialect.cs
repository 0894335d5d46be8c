using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace PredictionCache.Silo.Storage;

/// <summary>
/// SQLite: timestamps are INTEGER milliseconds since the Unix epoch (sortable, compact), UUIDs are TEXT. The writer
/// runs in WAL mode with <c>synchronous=FULL</c>, so a commit is on disk before it is acknowledged; group commit
/// spreads that fsync over every write in the batch.
/// </summary>
public sealed class SqliteDialect : StorageDialect
{
    /// <summary>The one instance.</summary>
    public static readonly SqliteDialect Instance = new();

    private SqliteDialect()
    {
    }

    /// <inheritdoc />
    public override string Name => "sqlite";

    /// <inheritdoc />
    public override DbDataSource CreateDataSource(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && builder.Mode != SqliteOpenMode.Memory &&
            Path.GetDirectoryName(Path.GetFullPath(file)) is { } directory)
        {
            // The embedded default is a file under ./data/: a first run must not fail because the folder is missing.
            Directory.CreateDirectory(directory);
        }

        return SqliteFactory.Instance.CreateDataSource(builder.ConnectionString);
    }

    /// <inheritdoc />
    public override async Task InitializeWriterAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    internal override string TableExistsSql => "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = @table)";

    /// <inheritdoc />
    public override DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    /// <inheritdoc />
    public override Guid ReadUuid(DbDataReader reader, int ordinal) =>
        Guid.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture);

    /// <inheritdoc />
    protected override object ToDbTimestamp(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    /// <inheritdoc />
    protected override object ToDbUuid(Guid id) => id.ToString("D");
}

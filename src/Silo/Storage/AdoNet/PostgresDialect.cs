using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace PredictionCache.Silo.Storage;

/// <summary>
/// PostgreSQL through Npgsql: <c>timestamptz</c>, <c>uuid</c> and <c>json</c> (which keeps a document's text as
/// written, unlike <c>jsonb</c>). Migrations take a transaction-scoped advisory lock, so nodes of a cluster starting
/// together migrate one after another.
/// </summary>
public sealed class PostgresDialect : StorageDialect
{
    /// <summary>The one instance.</summary>
    public static readonly PostgresDialect Instance = new();

    // Any constant shared by every node; "PCACHE" in ASCII.
    private const long MigrationLockId = 0x504341434845;

    private PostgresDialect()
    {
    }

    /// <inheritdoc />
    public override string Name => "postgres";

    /// <inheritdoc />
    /// <remarks>Four: while one batch waits for its commit to reach disk, others run their statements.</remarks>
    public override int Writers => 4;

    /// <inheritdoc />
    public override DbDataSource CreateDataSource(string connectionString) => NpgsqlDataSource.Create(connectionString);

    /// <inheritdoc />
    public override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT pg_advisory_xact_lock(@id)";
        AddParameter(command, "id", MigrationLockId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // to_regclass resolves the name as the unqualified queries do (search_path), and is null, not an error, when absent.
    /// <inheritdoc />
    internal override string TableExistsSql => "SELECT to_regclass(@table) IS NOT NULL";

    /// <inheritdoc />
    public override DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <inheritdoc />
    public override Guid ReadUuid(DbDataReader reader, int ordinal) => reader.GetGuid(ordinal);

    /// <inheritdoc />
    protected override object ToDbTimestamp(DateTimeOffset time) => time.ToUniversalTime();

    /// <inheritdoc />
    protected override object ToDbUuid(Guid id) => id;

    /// <inheritdoc />
    protected override void MarkJson(DbParameter parameter) => ((NpgsqlParameter)parameter).NpgsqlDbType = NpgsqlDbType.Json;
}

using System.Data.Common;

namespace PredictionCache.Silo.Storage;

/// <summary>
/// What differs between the ADO.NET providers: how a data source is made, how the writer connection is set up,
/// how values travel (timestamps, UUIDs, JSON), and how migrations lock. SQL that is the same everywhere is written
/// once; SQL that differs (the schema) lives in one file per provider.
/// </summary>
public abstract class StorageDialect
{
    /// <summary>The provider's name, as in <c>Storage:Provider</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The dialect for a <c>Storage:Provider</c> value.</summary>
    /// <exception cref="ArgumentException">The provider has no SQL dialect (e.g. <c>memory</c>).</exception>
    public static StorageDialect For(string provider) => provider.ToUpperInvariant() switch
    {
        "SQLITE" => SqliteDialect.Instance,
        "POSTGRES" => PostgresDialect.Instance,
        _ => throw new ArgumentException($"The storage provider '{provider}' has no SQL dialect.", nameof(provider)),
    };

    /// <summary>How many group-commit writers run at once, each with its own connection and transaction.</summary>
    public virtual int Writers => 1;

    /// <summary>Makes the data source; throws <see cref="ArgumentException"/> for a malformed connection string.</summary>
    public abstract DbDataSource CreateDataSource(string connectionString);

    /// <summary>Prepares the one connection that writes (e.g. SQLite's WAL mode and synchronous level).</summary>
    public virtual Task InitializeWriterAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs inside the migration transaction first, so nodes starting together migrate one at a time.</summary>
    public virtual Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>
    /// A query with one parameter, <c>@table</c>, giving whether that table exists (1 or true). Internal, so only
    /// this assembly's dialects (the providers <see cref="Grains.Storage.StorageOptions.SupportedProviders"/> names) derive.
    /// </summary>
    internal abstract string TableExistsSql { get; }

    /// <summary>Adds a parameter, converting the value to what the provider stores (see <see cref="StateColumnType"/>).</summary>
    public DbParameter AddParameter(DbCommand command, string name, object? value, StateColumnType? type = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value switch
        {
            null => DBNull.Value,
            DateTimeOffset time => ToDbTimestamp(time),
            Guid id => ToDbUuid(id),
            _ => value,
        };
        if (type == StateColumnType.Json)
        {
            MarkJson(parameter);
        }

        command.Parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Reads a column written as <paramref name="type"/> back as the CLR type <see cref="GrainStateTable{TState}.ToRow"/> gave.</summary>
    public object? Read(DbDataReader reader, int ordinal, StateColumnType type)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        return type switch
        {
            StateColumnType.Timestamp => ReadTimestamp(reader, ordinal),
            StateColumnType.Uuid => ReadUuid(reader, ordinal),
            _ => reader.GetString(ordinal),
        };
    }

    /// <summary>Reads a timestamp column.</summary>
    public abstract DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal);

    /// <summary>Reads a UUID column.</summary>
    public abstract Guid ReadUuid(DbDataReader reader, int ordinal);

    /// <summary>A timestamp as the provider stores it.</summary>
    protected abstract object ToDbTimestamp(DateTimeOffset time);

    /// <summary>A UUID as the provider stores it.</summary>
    protected abstract object ToDbUuid(Guid id);

    /// <summary>Types a JSON parameter where the provider needs it.</summary>
    protected virtual void MarkJson(DbParameter parameter)
    {
    }
}

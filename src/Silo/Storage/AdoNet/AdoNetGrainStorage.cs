using Orleans.Storage;
using PredictionCache.Grains.Storage;
using System.Globalization;

namespace PredictionCache.Silo.Storage;

/// <summary>
/// Grain storage on SQLite or PostgreSQL, after Orleans' ADO.NET persistence: each (grain type, state name) has its
/// mapped table, the ETag is a random 64-bit <c>version</c>, and a write or clear succeeds only when the row still
/// carries the caller's version — a stale write fails with <see cref="InconsistentStateException"/>, it never
/// overwrites. Reads run on pooled connections; writes go through the database's group-commit writer.
/// </summary>
internal sealed class AdoNetGrainStorage : IGrainStorage, IGrainStateTableProvider
{
    private readonly StorageDatabase _database;
    private readonly TimeProvider _time;
    private readonly Dictionary<(string GrainType, string StateName), object> _tables;

    public AdoNetGrainStorage(StorageDatabase database, TimeProvider time, IEnumerable<StateTableRegistration> registrations)
    {
        _database = database;
        _time = time;
        _tables = registrations.ToDictionary(
            r => (r.GrainType, r.StateName),
            r => Activator.CreateInstance(typeof(AdoNetStateTable<>).MakeGenericType(r.StateType), database, r.Table)!);
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var table = TableOf<T>(grainId, stateName);
        var dialect = _database.Dialect;
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        await using var command = StorageDatabase.CreateCommand(connection, table.Sql.Select);
        dialect.AddParameter(command, "key", grainId.Key.ToString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        var columns = table.Mapping.Columns;
        var row = new object?[columns.Count];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = dialect.Read(reader, i + 1, columns[i].Type);
        }

        grainState.State = table.Mapping.FromRow(row);
        grainState.ETag = reader.GetInt64(0).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var table = TableOf<T>(grainId, stateName);
        var values = table.Mapping.ToRow(grainState.State!);
        var columns = table.Mapping.Columns;
        var etag = grainState.ETag;
        var version = Random.Shared.NextInt64(1, long.MaxValue);
        var now = _time.GetUtcNow();
        var written = await _database.WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = StorageDatabase.CreateCommand(connection, etag is null ? table.Sql.Insert : table.Sql.Update, transaction);
                var dialect = _database.Dialect;
                dialect.AddParameter(command, "key", grainId.Key.ToString());
                dialect.AddParameter(command, "version", version);
                dialect.AddParameter(command, "now", now);
                for (var i = 0; i < values.Length; i++)
                {
                    dialect.AddParameter(command, "c" + i.ToString(CultureInfo.InvariantCulture), values[i], columns[i].Type);
                }

                if (etag is not null)
                {
                    dialect.AddParameter(command, "etag", ParseEtag(etag));
                }

                return await command.ExecuteNonQueryAsync() == 1;
            },
            cancellationToken);
        if (!written)
        {
            throw Inconsistent(await StoredEtagAsync(table, grainId, cancellationToken), etag);
        }

        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var table = TableOf<T>(grainId, stateName);
        var etag = grainState.ETag;
        if (etag is null)
        {
            // Nothing to delete as far as the caller knows; a record someone else wrote is a conflict, as in memory.
            if (await StoredEtagAsync(table, grainId, cancellationToken) is { } stored)
            {
                throw Inconsistent(stored, null);
            }
        }
        else
        {
            var deleted = await _database.WriteAsync(
                async (connection, transaction) =>
                {
                    await using var command = StorageDatabase.CreateCommand(connection, table.Sql.Delete, transaction);
                    _database.Dialect.AddParameter(command, "key", grainId.Key.ToString());
                    _database.Dialect.AddParameter(command, "etag", ParseEtag(etag));
                    return await command.ExecuteNonQueryAsync() == 1;
                },
                cancellationToken);
            if (!deleted)
            {
                throw Inconsistent(await StoredEtagAsync(table, grainId, cancellationToken), etag);
            }
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    public IGrainStateTable<TState> GetTable<TState>(string grainType, string stateName, GrainStateTable<TState> table) =>
        _tables.TryGetValue((grainType, stateName), out var registered)
            ? (AdoNetStateTable<TState>)registered
            : throw new InvalidOperationException($"No state table is registered for grain type '{grainType}', state '{stateName}'.");

    private static long ParseEtag(string etag) =>
        long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : -1;

    private async Task<string?> StoredEtagAsync<T>(AdoNetStateTable<T> table, GrainId grainId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        await using var command = StorageDatabase.CreateCommand(connection, table.Sql.StoredVersion);
        _database.Dialect.AddParameter(command, "key", grainId.Key.ToString());
        var stored = await command.ExecuteScalarAsync(cancellationToken);
        return stored is null or DBNull ? null : Convert.ToInt64(stored, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
    }

    private AdoNetStateTable<T> TableOf<T>(GrainId grainId, string stateName) =>
        _tables.TryGetValue((grainId.Type.ToString(), stateName), out var table)
            ? (AdoNetStateTable<T>)table
            : throw new InvalidOperationException(
                $"No state table is registered for grain type '{grainId.Type.ToString()}', state '{stateName}'; register one with AddStateTable.");

    private static InconsistentStateException Inconsistent(string? storedEtag, string? currentEtag) =>
        new($"Version conflict: the stored ETag is '{storedEtag ?? "(none)"}' but the write carried '{currentEtag ?? "(none)"}'.", storedEtag, currentEtag);
}

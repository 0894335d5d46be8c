using PredictionCache.Grains.Storage;
using System.Globalization;
using System.Text;

namespace PredictionCache.Silo.Storage;

/// <summary>A <see cref="GrainStateTable{TState}"/> in a SQL database: its statements and its upkeep.</summary>
internal sealed class AdoNetStateTable<TState>(StorageDatabase database, GrainStateTable<TState> mapping) : IGrainStateTable<TState>
{
    public GrainStateTable<TState> Mapping { get; } = mapping;

    public StateTableSql Sql { get; } = new(mapping.TableName, mapping.KeyColumn, mapping.Columns, mapping.ExpiresColumn, mapping.TenantColumn);

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = StorageDatabase.CreateCommand(connection, Sql.Count);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task RecordAccessAsync(IReadOnlyCollection<string> keys, DateTimeOffset accessedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var chunk in keys.Chunk(StateTableSql.TouchChunk))
        {
            await database.WriteAsync(
                async (connection, transaction) =>
                {
                    var sql = new StringBuilder(Sql.Touch).Append('(');
                    await using var command = connection.CreateCommand();
                    command.Transaction = transaction;
                    database.Dialect.AddParameter(command, "now", accessedAt);
                    for (var i = 0; i < chunk.Length; i++)
                    {
                        var name = "k" + i.ToString(CultureInfo.InvariantCulture);
                        sql.Append(i == 0 ? "@" : ", @").Append(name);
                        database.Dialect.AddParameter(command, name, chunk[i]);
                    }

                    command.CommandText = sql.Append(')').ToString();
                    return await command.ExecuteNonQueryAsync();
                },
                cancellationToken);
        }
    }

    public async Task<long> TrimAsync(long maxRecords, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRecords);
        var excess = await CountAsync(cancellationToken) - maxRecords;
        return excess <= 0 ? 0 : await database.DeleteInChunksAsync(Sql.Trim, StateTableSql.DeleteChunk, static _ => { }, excess, cancellationToken);
    }

    public Task<long> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Sql.Expire is null
            ? Task.FromResult(0L)
            : database.DeleteInChunksAsync(
                Sql.Expire, StateTableSql.DeleteChunk, command => database.Dialect.AddParameter(command, "now", now), cancellationToken: cancellationToken);

    public Task<long> ClearAsync(CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = StorageDatabase.CreateCommand(connection, Sql.Clear, transaction);
                return (long)await command.ExecuteNonQueryAsync();
            },
            cancellationToken);

    public async Task<long> CountTenantAsync(string tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var sql = Sql.CountTenant ?? throw Mapping.NoTenantColumn();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = StorageDatabase.CreateCommand(connection, sql);
        database.Dialect.AddParameter(command, "tenant", tenant);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <remarks>
    /// In chunks, as the sweep deletes, so writes from requests interleave with clearing a large tenant rather than
    /// wait behind one long delete.
    /// </remarks>
    public Task<long> ClearTenantAsync(string tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var sql = Sql.ClearTenant ?? throw Mapping.NoTenantColumn();
        return database.DeleteInChunksAsync(
            sql, StateTableSql.DeleteChunk, command => database.Dialect.AddParameter(command, "tenant", tenant), cancellationToken: cancellationToken);
    }
}

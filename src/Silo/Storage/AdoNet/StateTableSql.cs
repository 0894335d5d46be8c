namespace PredictionCache.Silo.Storage;

/// <summary>
/// The statements for one <see cref="GrainStateTable{TState}"/>, built once from its columns. They use only SQL that
/// SQLite and PostgreSQL share (<c>ON CONFLICT DO NOTHING</c>, <c>LIMIT</c>, named parameters); where the two differ
/// the dialect converts values, and the schema itself is each provider's own file.
/// </summary>
internal sealed class StateTableSql
{
    /// <summary>Rows deleted per statement by trim and sweep, so one pass never holds the write lock for long.</summary>
    public const int DeleteChunk = 5_000;

    /// <summary>Keys per access-time update statement.</summary>
    public const int TouchChunk = 500;

    public StateTableSql(string table, string key, IReadOnlyList<StateColumn> columns, int? expiresColumn, int? tenantColumn = null)
    {
        var names = string.Join(", ", columns.Select(c => c.Name));
        var parameters = string.Join(", ", columns.Select((_, i) => "@c" + i));
        var assignments = string.Join(", ", columns.Select((c, i) => $"{c.Name} = @c{i}"));
        Select = $"SELECT version, {names} FROM {table} WHERE {key} = @key";
        StoredVersion = $"SELECT version FROM {table} WHERE {key} = @key";
        Insert = $"INSERT INTO {table} ({key}, version, last_access, {names}) VALUES (@key, @version, @now, {parameters}) ON CONFLICT ({key}) DO NOTHING";
        Update = $"UPDATE {table} SET version = @version, last_access = @now, {assignments} WHERE {key} = @key AND version = @etag";
        Delete = $"DELETE FROM {table} WHERE {key} = @key AND version = @etag";
        Count = $"SELECT COUNT(*) FROM {table}";
        Touch = $"UPDATE {table} SET last_access = @now WHERE {key} IN ";
        Trim = $"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} ORDER BY last_access LIMIT @limit)";
        Expire = expiresColumn is { } e
            ? $"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} WHERE {columns[e].Name} <= @now LIMIT @limit)"
            : null;
        Clear = $"DELETE FROM {table}";

        // Both by equality on the tenant column alone, so the schema's index on it serves them.
        if (tenantColumn is { } t)
        {
            if (columns[t].Type != StateColumnType.Text)
            {
                throw new ArgumentException($"The tenant column '{columns[t].Name}' of '{table}' must be a Text column, not {columns[t].Type}.", nameof(tenantColumn));
            }

            var tenant = columns[t].Name;
            CountTenant = $"SELECT COUNT(*) FROM {table} WHERE {tenant} = @tenant";
            ClearTenant = $"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} WHERE {tenant} = @tenant LIMIT @limit)";
        }
    }

    public string Select { get; }

    public string StoredVersion { get; }

    public string Insert { get; }

    public string Update { get; }

    public string Delete { get; }

    public string Count { get; }

    /// <summary>The access-time update up to <c>IN</c>; the caller appends the key parameters.</summary>
    public string Touch { get; }

    public string Trim { get; }

    public string? Expire { get; }

    public string Clear { get; }

    /// <summary>Counts one tenant's rows; null when the table has no tenant column.</summary>
    public string? CountTenant { get; }

    /// <summary>Deletes a chunk of one tenant's rows, bounded by <c>@limit</c>; null when the table has no tenant column.</summary>
    public string? ClearTenant { get; }
}

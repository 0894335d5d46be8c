namespace PredictionCache.Silo.Tests.Storage;

/// <summary>
/// The DDL of a <see cref="TestEntryTable"/> per provider, as a real component's schema file would hold it: the
/// provider's own columns (key, <c>version</c>, <c>last_access</c>) and the mapped ones; and a bulk seed, so tests of
/// chunked deletes need not write 12,000 rows one at a time.
/// </summary>
internal static class TestEntrySchema
{
    public static string Sqlite(string table) =>
        $"""
        CREATE TABLE {table} (
            grain_key   TEXT    NOT NULL PRIMARY KEY,
            version     INTEGER NOT NULL,
            last_access INTEGER NOT NULL,
            name        TEXT    NOT NULL,
            payload     TEXT,
            created_at  INTEGER NOT NULL,
            job_id      TEXT    NOT NULL,
            expires_at  INTEGER,
            tenant      TEXT    NOT NULL DEFAULT ''
        );
        CREATE INDEX ix_{table}_last_access ON {table} (last_access);
        CREATE INDEX ix_{table}_expires_at ON {table} (expires_at);
        CREATE INDEX ix_{table}_tenant ON {table} (tenant);
        """;

    public static string Postgres(string table) =>
        $"""
        CREATE TABLE {table} (
            grain_key   text        NOT NULL PRIMARY KEY,
            version     bigint      NOT NULL,
            last_access timestamptz NOT NULL,
            name        text        NOT NULL,
            payload     json,
            created_at  timestamptz NOT NULL,
            job_id      uuid        NOT NULL,
            expires_at  timestamptz,
            tenant      text        NOT NULL DEFAULT ''
        );
        CREATE INDEX ix_{table}_last_access ON {table} (last_access);
        CREATE INDEX ix_{table}_expires_at ON {table} (expires_at);
        CREATE INDEX ix_{table}_tenant ON {table} (tenant);
        """;

    /// <summary>Rows <c>bulk-0</c> ... <c>bulk-(@count - 1)</c>, of no tenant; row i last accessed and expiring at <c>@start</c> + i ms.</summary>
    public static string SqliteSeed(string table) =>
        $$"""
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < @count)
        INSERT INTO {{table}} (grain_key, version, last_access, name, payload, created_at, job_id, expires_at)
        SELECT 'bulk-' || i, i + 1, @start + i, 'bulk', '{}', @start, '00000000-0000-0000-0000-000000000001', @start + i FROM n
        """;

    /// <inheritdoc cref="SqliteSeed"/>
    public static string PostgresSeed(string table) =>
        $$"""
        INSERT INTO {{table}} (grain_key, version, last_access, name, payload, created_at, job_id, expires_at)
        SELECT 'bulk-' || i, i + 1, @start + i * interval '1 millisecond', 'bulk', '{}', @start,
               '00000000-0000-0000-0000-000000000001', @start + i * interval '1 millisecond'
        FROM generate_series(0, @count - 1) AS i
        """;
}

namespace PredictionCache.Silo.Storage;

/// <summary>The cache's schema on SQLite: timestamps are INTEGER milliseconds since the Unix epoch, UUIDs TEXT.</summary>
internal static class SqliteCacheSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE cache_entries (
            key             TEXT    NOT NULL PRIMARY KEY,
            version         INTEGER NOT NULL,
            model           TEXT    NOT NULL,
            normalized_text TEXT    NOT NULL,
            result          TEXT    NOT NULL,
            job_id          TEXT    NOT NULL,
            created_at      INTEGER NOT NULL,
            expires_at      INTEGER NOT NULL,
            last_access     INTEGER NOT NULL
        );
        CREATE INDEX ix_cache_entries_last_access ON cache_entries (last_access);
        CREATE INDEX ix_cache_entries_expires_at ON cache_entries (expires_at);
        CREATE TABLE jobs (
            id           TEXT    NOT NULL PRIMARY KEY,
            key          TEXT    NOT NULL,
            model        TEXT    NOT NULL,
            input_text   TEXT    NOT NULL,
            status       TEXT    NOT NULL CHECK (status IN ('processing', 'completed', 'failed')),
            result       TEXT,
            error        TEXT,
            created_at   INTEGER NOT NULL,
            completed_at INTEGER
        );
        CREATE INDEX ix_jobs_processing ON jobs (status) WHERE status = 'processing';
        CREATE INDEX ix_jobs_completed_at ON jobs (completed_at) WHERE completed_at IS NOT NULL;
        """,
        """
        ALTER TABLE jobs ADD COLUMN timed_out INTEGER NOT NULL DEFAULT 0 CHECK (timed_out IN (0, 1));
        """,
        """
        ALTER TABLE jobs ADD COLUMN owner TEXT;
        CREATE INDEX ix_jobs_processing_owner ON jobs (owner) WHERE status = 'processing';
        """,
        """
        ALTER TABLE cache_entries ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
        CREATE INDEX ix_cache_entries_tenant ON cache_entries (tenant);
        ALTER TABLE jobs ADD COLUMN tenant TEXT NOT NULL DEFAULT '';
        """,
    ];
}

namespace PredictionCache.Silo.Storage;

/// <summary>The cache's schema on PostgreSQL: <c>timestamptz</c>, <c>uuid</c>, and <c>json</c> that keeps results as written.</summary>
internal static class PostgresCacheSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE cache_entries (
            key             text        NOT NULL PRIMARY KEY,
            version         bigint      NOT NULL,
            model           text        NOT NULL,
            normalized_text text        NOT NULL,
            result          json        NOT NULL,
            job_id          uuid        NOT NULL,
            created_at      timestamptz NOT NULL,
            expires_at      timestamptz NOT NULL,
            last_access     timestamptz NOT NULL
        );
        CREATE INDEX ix_cache_entries_last_access ON cache_entries (last_access);
        CREATE INDEX ix_cache_entries_expires_at ON cache_entries (expires_at);
        CREATE TABLE jobs (
            id           uuid        NOT NULL PRIMARY KEY,
            key          text        NOT NULL,
            model        text        NOT NULL,
            input_text   text        NOT NULL,
            status       text        NOT NULL CHECK (status IN ('processing', 'completed', 'failed')),
            result       json,
            error        text,
            created_at   timestamptz NOT NULL,
            completed_at timestamptz
        );
        CREATE INDEX ix_jobs_processing ON jobs (status) WHERE status = 'processing';
        CREATE INDEX ix_jobs_completed_at ON jobs (completed_at) WHERE completed_at IS NOT NULL;
        """,
        """
        ALTER TABLE jobs ADD COLUMN timed_out boolean NOT NULL DEFAULT false;
        """,
        """
        ALTER TABLE jobs ADD COLUMN owner text;
        CREATE INDEX ix_jobs_processing_owner ON jobs (owner) WHERE status = 'processing';
        """,
        """
        ALTER TABLE cache_entries ADD COLUMN tenant text NOT NULL DEFAULT '';
        CREATE INDEX ix_cache_entries_tenant ON cache_entries (tenant);
        ALTER TABLE jobs ADD COLUMN tenant text NOT NULL DEFAULT '';
        """,
    ];
}

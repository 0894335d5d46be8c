using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.Silo;
using PredictionCache.Silo.Storage;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Storage;

/// <summary>
/// Databases at older schema versions migrate to the current one at start-up, keeping their rows: from version 1
/// (before <c>jobs.timed_out</c> and <c>jobs.owner</c>) and from version 3 (before the tenant columns).
/// </summary>
public sealed class CacheSchemaMigrationTests
{
    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task Migrate_FromVersionOne_AddsTimedOutAndOwnerAndKeepsJobsAsNotTimedOutWithoutOwner(string provider)
    {
        // Arrange: a version-1 database holding a failed job.
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var storage = new StorageDatabase(StorageDialect.For(provider), database.ConnectionString, 256, NullLogger<StorageDatabase>.Instance);
        var migrations = CacheSchema.For(storage.Dialect);
        await storage.MigrateAsync(CacheSchema.Component, [migrations[0]]);
        var clock = new TestClock();
        var id = Guid.NewGuid();
        await storage.WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = StorageDatabase.CreateCommand(
                    connection,
                    """
                    INSERT INTO jobs (id, key, model, input_text, status, result, error, created_at, completed_at)
                    VALUES (@id, 'k', 'fake', 'text', 'failed', NULL, 'model down', @now, @now)
                    """,
                    transaction);
                storage.Dialect.AddParameter(command, "id", id);
                storage.Dialect.AddParameter(command, "now", clock.GetUtcNow());
                return await command.ExecuteNonQueryAsync();
            });

        // Act
        await storage.MigrateAsync(CacheSchema.Component, migrations);
        var store = new SqlJobStore(storage, clock, Options.Create(new JobOptions()));
        var job = await store.GetAsync(id);

        // Assert
        Assert.Equal(migrations.Count, await storage.GetSchemaVersionAsync(CacheSchema.Component));
        Assert.NotNull(job);
        Assert.Equal((JobStatus.Failed, "model down", false, (string?)null), (job.Status, job.Error, job.TimedOut, job.Owner));
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task Migrate_FromVersionThree_KeepsEntriesAndJobsAsNoTenantAndIndexesTheTenant(string provider)
    {
        // Arrange: a version-3 database holding two entries and their jobs, one processing and owned, one completed.
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var storage = new StorageDatabase(StorageDialect.For(provider), database.ConnectionString, 256, NullLogger<StorageDatabase>.Instance);
        var migrations = CacheSchema.For(storage.Dialect);
        await storage.MigrateAsync(CacheSchema.Component, [.. migrations.Take(3)]);
        var clock = new TestClock();
        var now = clock.GetUtcNow();
        var processing = Guid.NewGuid();
        var completed = Guid.NewGuid();
        await InsertVersionThreeRowsAsync(storage, now, ("k1", processing, "processing", "10.0.0.1:11111@1"), ("k2", completed, "completed", null));

        // Act: twice, as every start-up migrates; the second finds nothing to do.
        await storage.MigrateAsync(CacheSchema.Component, migrations);
        await storage.MigrateAsync(CacheSchema.Component, migrations);
        var jobs = new SqlJobStore(storage, clock, Options.Create(new JobOptions()));
        var entries = new AdoNetGrainStorage(storage, clock, [Entries]);
        var table = entries.GetTable(Entries.GrainType, Entries.StateName, (GrainStateTable<CacheEntry>)Entries.Table);
        var entry = new GrainState<CacheEntry>();
        await entries.ReadStateAsync(Entries.StateName, GrainId.Create(Entries.GrainType, "k1"), entry);

        // Assert
        Assert.Equal(4, migrations.Count);
        Assert.Equal(4, await storage.GetSchemaVersionAsync(CacheSchema.Component));
        Assert.Equal(
            new JobRecord(processing, "k1", "fake", "text k1", JobStatus.Processing, null, null, now, null, false, "10.0.0.1:11111@1", ""),
            await jobs.GetAsync(processing));
        Assert.Equal(("", JobStatus.Completed), await jobs.GetAsync(completed) is { } job ? (job.Tenant, job.Status) : default);
        Assert.True(entry.RecordExists);
        Assert.Equal(("", "text k1", processing), (entry.State!.Tenant, entry.State.NormalizedText, entry.State.JobId));
        Assert.Equal((2L, 2L, 0L), (await table.CountAsync(), await table.CountTenantAsync(""), await table.CountTenantAsync("acme")));
        Assert.Equal(["tenant"], await IndexColumnsAsync(storage, "cache_entries", "ix_cache_entries_tenant"));
    }

    private static readonly StateTableRegistration Entries =
        new(PredictionCacheSiloBuilderExtensions.PredictionGrainType, PredictionGrain.StateName, typeof(CacheEntry), new CacheEntryTable());

    /// <summary>Entries and their jobs as a version-3 build wrote them: no tenant column.</summary>
    private static async Task InsertVersionThreeRowsAsync(
        StorageDatabase storage, DateTimeOffset now, params (string Key, Guid Job, string Status, string? Owner)[] rows)
    {
        var dialect = storage.Dialect;
        await storage.WriteAsync(
            async (connection, transaction) =>
            {
                var inserted = 0;
                foreach (var (key, job, status, owner) in rows)
                {
                    await using var jobInsert = StorageDatabase.CreateCommand(
                        connection,
                        """
                        INSERT INTO jobs (id, key, model, input_text, status, result, error, created_at, completed_at, timed_out, owner)
                        VALUES (@id, @key, 'fake', @text, @status, @result, NULL, @now, @completed, @timedOut, @owner)
                        """,
                        transaction);
                    var finished = status == "completed";
                    dialect.AddParameter(jobInsert, "id", job);
                    dialect.AddParameter(jobInsert, "key", key);
                    dialect.AddParameter(jobInsert, "text", "text " + key);
                    dialect.AddParameter(jobInsert, "status", status);
                    dialect.AddParameter(jobInsert, "result", finished ? """{"label":"x"}""" : null, StateColumnType.Json);
                    dialect.AddParameter(jobInsert, "now", now);
                    dialect.AddParameter(jobInsert, "completed", finished ? now : null);
                    dialect.AddParameter(jobInsert, "timedOut", false);
                    dialect.AddParameter(jobInsert, "owner", owner);
                    inserted += await jobInsert.ExecuteNonQueryAsync();

                    await using var entryInsert = StorageDatabase.CreateCommand(
                        connection,
                        """
                        INSERT INTO cache_entries (key, version, model, normalized_text, result, job_id, created_at, expires_at, last_access)
                        VALUES (@key, 1, 'fake', @text, @result, @job, @now, @expires, @now)
                        """,
                        transaction);
                    dialect.AddParameter(entryInsert, "key", key);
                    dialect.AddParameter(entryInsert, "text", "text " + key);
                    dialect.AddParameter(entryInsert, "result", """{"label":"x"}""", StateColumnType.Json);
                    dialect.AddParameter(entryInsert, "job", job);
                    dialect.AddParameter(entryInsert, "now", now);
                    dialect.AddParameter(entryInsert, "expires", now.AddHours(1));
                    inserted += await entryInsert.ExecuteNonQueryAsync();
                }

                return inserted;
            });
    }

    /// <summary>The columns of <paramref name="table"/>'s index <paramref name="index"/>, in order; empty when there is no such index.</summary>
    private static async Task<string[]> IndexColumnsAsync(StorageDatabase storage, string table, string index)
    {
        await using var connection = await storage.OpenConnectionAsync();
        await using var command = StorageDatabase.CreateCommand(
            connection,
            storage.Dialect is SqliteDialect
                ? "SELECT c.name FROM sqlite_master m, pragma_index_info(m.name) c WHERE m.type = 'index' AND m.name = @index AND m.tbl_name = @table ORDER BY c.seqno"
                : """
                  SELECT a.attname FROM pg_index i
                  JOIN pg_class ix ON ix.oid = i.indexrelid
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                  WHERE ix.relname = @index AND i.indrelid = to_regclass(@table)
                  ORDER BY array_position(i.indkey::int2[], a.attnum)
                  """);
        storage.Dialect.AddParameter(command, "index", index);
        storage.Dialect.AddParameter(command, "table", table);
        await using var reader = await command.ExecuteReaderAsync();
        var columns = new List<string>();
        while (await reader.ReadAsync())
        {
            columns.Add(reader.GetString(0));
        }

        return [.. columns];
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Jobs;
using PredictionCache.Silo.Storage;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Storage;

/// <summary>
/// A database at schema version 1 (before <c>jobs.timed_out</c> and <c>jobs.owner</c>) migrates to the current version,
/// keeping its jobs; their owner is unknown, so the node that starts on it settles them if they were processing.
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
        Assert.Equal(3, migrations.Count);
        Assert.Equal(3, await storage.GetSchemaVersionAsync(CacheSchema.Component));
        Assert.NotNull(job);
        Assert.Equal((JobStatus.Failed, "model down", false, (string?)null), (job.Status, job.Error, job.TimedOut, job.Owner));
    }
}

using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Jobs;
using PredictionCache.Silo.Storage;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Jobs;

/// <summary>
/// The job store contract on a real SQL database of each test's own, and what only the SQL store does: failing the
/// jobs a stop left processing, and sharing commits between concurrent creates.
/// </summary>
public abstract class SqlJobStoreTests : JobStoreContractTests
{
    private TestDatabase? _database;
    private StorageDatabase? _storage;

    /// <summary>The <c>Storage:Provider</c> under test.</summary>
    protected abstract string Provider { get; }

    private SqlJobStore SqlStore => (SqlJobStore)Store;

    private StorageDatabase Storage => _storage ?? throw new InvalidOperationException("No store was created.");

    public override async Task DisposeAsync()
    {
        if (_storage is not null)
        {
            await _storage.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task RecoverInterrupted_FailsExactlyTheProcessingJobsWithTheReason()
    {
        // Arrange: two jobs a stop left processing, one completed and one failed before it.
        var interrupted = new[] { NewJob(), NewJob() };
        var completed = NewJob();
        var failed = NewJob();
        foreach (var job in interrupted.Append(completed).Append(failed))
        {
            await Store.CreateAsync(job);
        }

        var finishedAt = Clock.GetUtcNow();
        await Store.CompleteAsync(completed.Id, Result, finishedAt);
        await Store.FailAsync(failed.Id, "model down", finishedAt);
        Clock.Advance(TimeSpan.FromMinutes(1));

        // Act
        var count = await SqlStore.RecoverInterruptedAsync();

        // Assert
        Assert.Equal((0, 2), count);
        foreach (var job in interrupted)
        {
            Assert.Equal(
                job with { Status = JobStatus.Failed, Error = SqlJobStore.InterruptedError, CompletedAt = Clock.GetUtcNow() },
                await Store.GetAsync(job.Id));
        }

        AssertJob(completed with { Status = JobStatus.Completed, Result = Result, CompletedAt = finishedAt }, await Store.GetAsync(completed.Id));
        Assert.Equal(failed with { Status = JobStatus.Failed, Error = "model down", CompletedAt = finishedAt }, await Store.GetAsync(failed.Id));
        Assert.Equal((0, 0), await SqlStore.RecoverInterruptedAsync());
    }

    [Fact]
    public async Task RecoverInterrupted_JobWhoseEntryWasStored_IsCompletedWithTheEntrysResult()
    {
        // Arrange: the stop came after the entry was stored and before its job was completed.
        var stored = NewJob();
        var lost = NewJob() with { Key = new string('b', 64) };
        await Store.CreateAsync(stored);
        await Store.CreateAsync(lost);
        await InsertEntryAsync(stored, """{"label":"stored"}""");
        await InsertEntryAsync(lost with { Id = Guid.NewGuid() }, """{"label":"other job"}""");
        Clock.Advance(TimeSpan.FromMinutes(1));

        // Act
        var count = await SqlStore.RecoverInterruptedAsync();

        // Assert: only an entry carrying the job's own id completes it.
        Assert.Equal((1, 1), count);
        var completed = await Store.GetAsync(stored.Id);
        Assert.Equal((JobStatus.Completed, """{"label":"stored"}""", Clock.GetUtcNow()), (completed!.Status, completed.Result?.ToString(), completed.CompletedAt));
        Assert.Equal((JobStatus.Failed, SqlJobStore.InterruptedError), ((await Store.GetAsync(lost.Id))!.Status, (await Store.GetAsync(lost.Id))!.Error));
    }

    [Fact]
    public async Task Create_ThousandConcurrent_ShareCommits()
    {
        // Arrange
        const int creates = 1000;
        var jobs = Enumerable.Range(0, creates).Select(_ => NewJob()).ToArray();
        var commitsBefore = Storage.Commits;

        // Act
        await Task.WhenAll(jobs.Select(job => Task.Run(() => Store.CreateAsync(job))));
        var commits = Storage.Commits - commitsBefore;

        // Assert: every create returned after its commit, and commits were shared (group commit).
        Assert.Equal(creates, await CountJobsAsync());
        Assert.InRange(commits, 1, creates - 1);
    }

    private Task InsertEntryAsync(JobRecord job, string resultJson) =>
        Storage.WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = StorageDatabase.CreateCommand(
                    connection,
                    """
                    INSERT INTO cache_entries (key, version, model, normalized_text, result, job_id, created_at, expires_at, last_access)
                    VALUES (@key, 1, @model, @text, @result, @job, @now, @expires, @now)
                    """,
                    transaction);
                var dialect = Storage.Dialect;
                dialect.AddParameter(command, "key", job.Key);
                dialect.AddParameter(command, "model", job.Model);
                dialect.AddParameter(command, "text", job.InputText);
                dialect.AddParameter(command, "result", resultJson, StateColumnType.Json);
                dialect.AddParameter(command, "job", job.Id);
                dialect.AddParameter(command, "now", Clock.GetUtcNow());
                dialect.AddParameter(command, "expires", Clock.GetUtcNow().AddHours(1));
                return await command.ExecuteNonQueryAsync();
            });

    protected override async Task<IJobStore> CreateStoreAsync(JobOptions options)
    {
        if (_storage is null)
        {
            _database = await TestDatabase.CreateAsync(Provider);
            _storage = new StorageDatabase(StorageDialect.For(Provider), _database.ConnectionString, 256, NullLogger<StorageDatabase>.Instance);
            await _storage.MigrateAsync(CacheSchema.Component, CacheSchema.For(_storage.Dialect));
        }

        return new SqlJobStore(_storage, Clock, Options.Create(options));
    }

    protected override async Task<long> CountJobsAsync()
    {
        await using var connection = await Storage.OpenConnectionAsync();
        await using var command = StorageDatabase.CreateCommand(connection, "SELECT COUNT(*) FROM jobs");
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    protected override Task<long> SweepAsync() => SqlStore.SweepAsync();
}

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

    /// <summary>The endpoint of the node recovering.</summary>
    private const string ThisNode = "127.0.0.1:11111";

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
        var count = await SqlStore.RecoverInterruptedAsync(ThisNode);

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
        Assert.Equal((0, 0), await SqlStore.RecoverInterruptedAsync(ThisNode));
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
        var count = await SqlStore.RecoverInterruptedAsync(ThisNode);

        // Assert: only an entry carrying the job's own id completes it.
        Assert.Equal((1, 1), count);
        var completed = await Store.GetAsync(stored.Id);
        Assert.Equal((JobStatus.Completed, """{"label":"stored"}""", Clock.GetUtcNow()), (completed!.Status, completed.Result?.ToString(), completed.CompletedAt));
        Assert.Equal((JobStatus.Failed, SqlJobStore.InterruptedError), ((await Store.GetAsync(lost.Id))!.Status, (await Store.GetAsync(lost.Id))!.Error));
    }

    [Fact]
    public async Task RecoverInterrupted_SettlesOnlyThisNodesEarlierGenerations()
    {
        // Arrange: processing jobs of this node's earlier run, of another live node, and of a port that shares a prefix.
        var mine = NewJob() with { Owner = ThisNode + "@100" };
        var other = NewJob() with { Owner = "127.0.0.1:22222@100" };
        var prefix = NewJob() with { Owner = ThisNode + "0@100" };
        foreach (var job in new[] { mine, other, prefix })
        {
            await Store.CreateAsync(job);
        }

        // Act
        var count = await SqlStore.RecoverInterruptedAsync(ThisNode);

        // Assert
        Assert.Equal((0, 1), count);
        Assert.Equal((JobStatus.Failed, SqlJobStore.InterruptedError), ((await Store.GetAsync(mine.Id))!.Status, (await Store.GetAsync(mine.Id))!.Error));
        Assert.Equal(other, await Store.GetAsync(other.Id));
        Assert.Equal(prefix, await Store.GetAsync(prefix.Id));
    }

    [Fact]
    public async Task RecoverInterrupted_NoEndpoint_SettlesTheProcessingJobsOfEveryOwner()
    {
        // Arrange: a node alone in its cluster, whose earlier runs listened on other ports (and one before owners).
        var owned = new[] { NewJob() with { Owner = ThisNode + "@100" }, NewJob() with { Owner = "127.0.0.1:22222@100" }, NewJob() };
        var finished = NewJob() with { Owner = "127.0.0.1:22222@100" };
        foreach (var job in owned.Append(finished))
        {
            await Store.CreateAsync(job);
        }

        await Store.CompleteAsync(finished.Id, Result, Clock.GetUtcNow());

        // Act
        var count = await SqlStore.RecoverInterruptedAsync(endpoint: null);

        // Assert
        Assert.Equal((0, 3), count);
        foreach (var job in owned)
        {
            Assert.Equal((JobStatus.Failed, SqlJobStore.InterruptedError), ((await Store.GetAsync(job.Id))!.Status, (await Store.GetAsync(job.Id))!.Error));
        }

        Assert.Equal(JobStatus.Completed, (await Store.GetAsync(finished.Id))!.Status);
    }

    [Fact]
    public async Task SettleDeadOwner_SettlesExactlyThatSilosJobs_CompletingThoseWithAStoredEntry()
    {
        // Arrange: the dead silo's two jobs (one whose entry was stored), a job of its earlier generation's successor.
        const string dead = "127.0.0.1:22222@100";
        var stored = NewJob() with { Owner = dead };
        var lost = NewJob() with { Key = new string('b', 64), Owner = dead };
        var successor = NewJob() with { Key = new string('c', 64), Owner = "127.0.0.1:22222@200" };
        foreach (var job in new[] { stored, lost, successor })
        {
            await Store.CreateAsync(job);
        }

        await InsertEntryAsync(stored, """{"label":"stored"}""");

        // Act: two survivors settle it.
        var first = await SqlStore.SettleDeadOwnerAsync(dead);
        var second = await SqlStore.SettleDeadOwnerAsync(dead);

        // Assert
        Assert.Equal(((1, 1), (0, 0)), (first, second));
        Assert.Equal(JobStatus.Completed, (await Store.GetAsync(stored.Id))!.Status);
        var failed = (await Store.GetAsync(lost.Id))!;
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains(dead, failed.Error, StringComparison.Ordinal);
        Assert.Equal(successor, await Store.GetAsync(successor.Id));
    }

    [Fact]
    public async Task Wait_JobAnotherNodeFinishes_IsSeenAtTheNextPoll()
    {
        // Arrange: another node's store on the same database, and a waiter on this one polling every 100 ms.
        var poll = TimeSpan.FromMilliseconds(100);
        var polling = await CreateStoreAsync(new JobOptions { WaitPollMilliseconds = (int)poll.TotalMilliseconds });
        var otherNode = await CreateStoreAsync(ContractOptions);
        var job = NewJob();
        await polling.CreateAsync(job);
        var firstPoll = Clock.WhenTimerCreatedAsync(poll);
        var wait = polling.WaitAsync(job.Id, TimeSpan.FromSeconds(30));
        await TestWait.ForAsync(firstPoll, "the wait's first poll");

        // Act: the other node finishes the job (no signal reaches this store); then the poll comes round.
        await otherNode.CompleteAsync(job.Id, Result, Clock.GetUtcNow());
        var wokenWithoutPoll = wait.IsCompleted;
        Clock.Advance(poll);
        var waited = await wait.WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.False(wokenWithoutPoll);
        Assert.Equal(JobStatus.Completed, waited!.Status);
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

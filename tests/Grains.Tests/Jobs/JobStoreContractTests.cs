using System.Globalization;
using System.Text;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Jobs;

/// <summary>
/// What every <see cref="IJobStore"/> does, run against each provider by a derived class. Each test gets a store of
/// its own (and, for SQL, a database of its own) on a manual clock; its own sweep timer never fires in a test.
/// </summary>
public abstract class JobStoreContractTests : IAsyncLifetime
{
    protected static readonly PredictionResult Result = PredictionResult.FromJson("""{"sentiment":"positive"}"""u8);

    /// <summary>
    /// Retention 2 h; a sweep interval (a day) no test reaches, so only explicit sweeps run; a shared store's poll (10 s)
    /// no wait here outlasts, so a wait's timer is its own timeout (polling has its own test).
    /// </summary>
    protected static readonly JobOptions ContractOptions = new() { RetentionHours = 2, SweepIntervalMinutes = 1440, WaitPollMilliseconds = 10_000 };

    protected TestClock Clock { get; } = new();

    protected IJobStore Store { get; private set; } = null!;

    /// <summary>The finest time step the provider keeps: one tick in memory, 1 ms on SQLite, 1 µs on PostgreSQL.</summary>
    protected abstract TimeSpan Precision { get; }

    public async Task InitializeAsync() => Store = await CreateStoreAsync(ContractOptions);

    public abstract Task DisposeAsync();

    [Fact]
    public async Task Create_ThenGet_ReturnsTheProcessingJob()
    {
        // Arrange
        var job = NewJob();

        // Act
        await Store.CreateAsync(job);
        var stored = await Store.GetAsync(job.Id);

        // Assert
        Assert.Equal(job, stored);
        Assert.Equal(JobStatus.Processing, stored!.Status);
        Assert.False(stored.IsFinished);
        Assert.Equal(1, await CountJobsAsync());
    }

    [Fact]
    public async Task Create_ExistingId_ThrowsAndKeepsTheFirst()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);

        // Act
        var create = () => Store.CreateAsync(job with { InputText = "other" });

        // Assert
        await Assert.ThrowsAsync<InvalidOperationException>(create);
        Assert.Equal(job, await Store.GetAsync(job.Id));
        Assert.Equal(1, await CountJobsAsync());
    }

    [Fact]
    public async Task Create_WithTenant_KeepsTheTenantThroughCompletionAndFailure()
    {
        // Arrange
        var completed = NewJob() with { Tenant = "acme" };
        var failed = NewJob() with { Tenant = "other ✓ 'quoted'" };
        var untenanted = NewJob();
        foreach (var job in new[] { completed, failed, untenanted })
        {
            await Store.CreateAsync(job);
        }

        // Act
        var created = await Store.GetAsync(completed.Id);
        await Store.CompleteAsync(completed.Id, Result, Clock.GetUtcNow());
        await Store.FailAsync(failed.Id, "model down", Clock.GetUtcNow(), timedOut: true);

        // Assert
        Assert.Equal(completed, created);
        AssertJob(completed with { Status = JobStatus.Completed, Result = Result, CompletedAt = Clock.GetUtcNow() }, await Store.GetAsync(completed.Id));
        Assert.Equal(
            failed with { Status = JobStatus.Failed, Error = "model down", CompletedAt = Clock.GetUtcNow(), TimedOut = true },
            await Store.GetAsync(failed.Id));
        Assert.Equal(untenanted, await Store.GetAsync(untenanted.Id));
        Assert.Equal("", untenanted.Tenant);
    }

    [Fact]
    public async Task Get_UnknownId_IsNull()
    {
        // Act
        var job = await Store.GetAsync(Guid.NewGuid());

        // Assert
        Assert.Null(job);
    }

    [Fact]
    public async Task Complete_ProcessingJob_StoresResultAndCompletionTime()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);
        var completedAt = Clock.GetUtcNow().AddSeconds(3);

        // Act
        await Store.CompleteAsync(job.Id, Result, completedAt);

        // Assert
        var stored = await Store.GetAsync(job.Id);
        AssertJob(job with { Status = JobStatus.Completed, Result = Result, CompletedAt = completedAt }, stored);
        Assert.True(stored!.IsFinished);
    }

    [Fact]
    public async Task Fail_ProcessingJob_StoresErrorAndCompletionTime()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);
        var failedAt = Clock.GetUtcNow().AddSeconds(3);

        // Act
        await Store.FailAsync(job.Id, "model down", failedAt);

        // Assert
        var stored = await Store.GetAsync(job.Id);
        Assert.Equal(job with { Status = JobStatus.Failed, Error = "model down", CompletedAt = failedAt }, stored);
        Assert.Null(stored!.Result);
    }

    [Fact]
    public async Task Fail_TimedOut_IsFailedAndRecordsTheTimeout()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);
        var failedAt = Clock.GetUtcNow().AddSeconds(4);

        // Act
        await Store.FailAsync(job.Id, "timed out after 30 s", failedAt, timedOut: true);

        // Assert
        AssertJob(job with { Status = JobStatus.Failed, Error = "timed out after 30 s", CompletedAt = failedAt, TimedOut = true }, await Store.GetAsync(job.Id));
    }

    [Fact]
    public async Task Complete_Twice_KeepsTheFirstOutcome()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);
        var first = Clock.GetUtcNow().AddSeconds(1);
        await Store.CompleteAsync(job.Id, Result, first);

        // Act
        await Store.CompleteAsync(job.Id, PredictionResult.FromJson("1"u8), first.AddSeconds(1));
        await Store.FailAsync(job.Id, "late failure", first.AddSeconds(2));

        // Assert
        AssertJob(job with { Status = JobStatus.Completed, Result = Result, CompletedAt = first }, await Store.GetAsync(job.Id));
    }

    [Fact]
    public async Task Fail_ThenComplete_KeepsTheFailure()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);
        var failedAt = Clock.GetUtcNow();
        await Store.FailAsync(job.Id, "model down", failedAt);

        // Act
        await Store.CompleteAsync(job.Id, Result, failedAt.AddSeconds(1));

        // Assert
        Assert.Equal(job with { Status = JobStatus.Failed, Error = "model down", CompletedAt = failedAt }, await Store.GetAsync(job.Id));
    }

    [Fact]
    public async Task Complete_UnknownId_CreatesNothing()
    {
        // Act
        var id = Guid.NewGuid();
        await Store.CompleteAsync(id, Result, Clock.GetUtcNow());
        await Store.FailAsync(id, "error", Clock.GetUtcNow());

        // Assert
        Assert.Null(await Store.GetAsync(id));
        Assert.Equal(0, await CountJobsAsync());
    }

    [Fact]
    public async Task Complete_ConcurrentFinishers_ExactlyOneWins()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);
        var start = Clock.GetUtcNow();

        // Act: each finisher stamps its own completion time; the job must carry one finisher's outcome whole.
        await Task.WhenAll(Enumerable.Range(1, 16).Select(i => Task.Run(() => i % 2 == 0
            ? Store.CompleteAsync(job.Id, PredictionResult.FromJson(Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture))), start.AddSeconds(i))
            : Store.FailAsync(job.Id, "error " + i, start.AddSeconds(i)))));

        // Assert
        var stored = (await Store.GetAsync(job.Id))!;
        var winner = (int)(stored.CompletedAt!.Value - start).TotalSeconds;
        if (winner % 2 == 0)
        {
            Assert.Equal(JobStatus.Completed, stored.Status);
            Assert.Equal(winner.ToString(CultureInfo.InvariantCulture), stored.Result!.ToString());
            Assert.Null(stored.Error);
        }
        else
        {
            Assert.Equal(JobStatus.Failed, stored.Status);
            Assert.Equal("error " + winner, stored.Error);
            Assert.Null(stored.Result);
        }
    }

    [Fact]
    public async Task Create_ManyConcurrent_EveryJobIsReadable()
    {
        // Arrange
        var jobs = Enumerable.Range(0, 1000).Select(_ => NewJob()).ToArray();

        // Act
        await Task.WhenAll(jobs.Select(job => Task.Run(() => Store.CreateAsync(job))));

        // Assert
        Assert.Equal(1000, await CountJobsAsync());
        foreach (var job in jobs)
        {
            Assert.Equal(job, await Store.GetAsync(job.Id));
        }
    }

    [Fact]
    public async Task Wait_UnknownId_IsNull()
    {
        // Act
        var job = await Store.WaitAsync(Guid.NewGuid(), TimeSpan.FromSeconds(10)).WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.Null(job);
    }

    [Fact]
    public async Task Wait_FinishedJob_ReturnsWithoutWaiting()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);
        await Store.CompleteAsync(job.Id, Result, Clock.GetUtcNow());

        // Act: the clock never moves, so only a wait that does not wait returns.
        var waited = await Store.WaitAsync(job.Id, TimeSpan.FromSeconds(10)).WaitAsync(TestWait.HangGuard);

        // Assert
        AssertJob(job with { Status = JobStatus.Completed, Result = Result, CompletedAt = Clock.GetUtcNow() }, waited);
    }

    [Fact]
    public async Task Wait_JobCompletesMeanwhile_WakesEveryWaiterAtCompletion()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);
        var first = Store.WaitAsync(job.Id, TimeSpan.FromSeconds(10));
        var second = Store.WaitAsync(job.Id, TimeSpan.FromSeconds(10));
        var completedAt = Clock.GetUtcNow();

        // Act: the clock never moves, so the waits end only because the job completed.
        await Store.CompleteAsync(job.Id, Result, completedAt);
        var firstJob = await first.WaitAsync(TestWait.HangGuard);
        var secondJob = await second.WaitAsync(TestWait.HangGuard);

        // Assert
        var expected = job with { Status = JobStatus.Completed, Result = Result, CompletedAt = completedAt };
        AssertJob(expected, firstJob);
        AssertJob(expected, secondJob);
    }

    [Fact]
    public async Task Wait_TimeoutPasses_ReturnsTheProcessingJob()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);
        var timerCreated = Clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(5));
        var wait = Store.WaitAsync(job.Id, TimeSpan.FromSeconds(5));
        await TestWait.ForAsync(timerCreated, "the wait's timer");

        // Act
        Clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        var completedEarly = wait.IsCompleted;
        Clock.Advance(TimeSpan.FromTicks(1));
        var waited = await wait.WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.False(completedEarly);
        Assert.Equal(job, waited);
    }

    [Fact]
    public async Task Wait_AfterATimedOutWait_StillSeesCompletion()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);
        var timerCreated = Clock.WhenTimerCreatedAsync(TimeSpan.FromSeconds(1));
        var timedOut = Store.WaitAsync(job.Id, TimeSpan.FromSeconds(1));
        await TestWait.ForAsync(timerCreated, "the wait's timer");
        Clock.Advance(TimeSpan.FromSeconds(1));
        await timedOut.WaitAsync(TestWait.HangGuard);
        var wait = Store.WaitAsync(job.Id, TimeSpan.FromSeconds(10));

        // Act
        await Store.CompleteAsync(job.Id, Result, Clock.GetUtcNow());

        // Assert
        Assert.Equal(JobStatus.Completed, (await wait.WaitAsync(TestWait.HangGuard))!.Status);
    }

    [Fact]
    public async Task Wait_ZeroTimeout_ReturnsTheCurrentRecord()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);

        // Act
        var waited = await Store.WaitAsync(job.Id, TimeSpan.Zero).WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.Equal(job, waited);
    }

    [Fact]
    public async Task Wait_Cancelled_Throws()
    {
        // Arrange
        var job = NewJob();
        await Store.CreateAsync(job);
        using var cancellation = new CancellationTokenSource();
        var wait = Store.WaitAsync(job.Id, TimeSpan.FromSeconds(10), cancellation.Token);

        // Act
        await cancellation.CancelAsync();

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TestWait.HangGuard));
    }

    [Fact]
    public async Task Sweep_FinishedJobsPastRetention_AreRemovedProcessingJobsNeverAre()
    {
        // Arrange
        var processing = NewJob();
        var completed = NewJob();
        var failed = NewJob();
        var recent = NewJob();
        foreach (var job in new[] { processing, completed, failed, recent })
        {
            await Store.CreateAsync(job);
        }

        var finishedAt = Clock.GetUtcNow();
        await Store.CompleteAsync(completed.Id, Result, finishedAt);
        await Store.FailAsync(failed.Id, "error", finishedAt);
        await Store.CompleteAsync(recent.Id, Result, finishedAt + Precision);

        // Act: one step of the provider's precision before the retention ends, exactly at it, then one step later.
        AdvanceTo(finishedAt + TimeSpan.FromHours(2) - Precision);
        var removedEarly = await SweepAsync();
        AdvanceTo(finishedAt + TimeSpan.FromHours(2));
        var removed = await SweepAsync();
        AdvanceTo(finishedAt + TimeSpan.FromHours(2) + Precision);
        var removedLater = await SweepAsync();

        // Assert
        Assert.Equal((0L, 2L, 1L), (removedEarly, removed, removedLater));
        Assert.Null(await Store.GetAsync(completed.Id));
        Assert.Null(await Store.GetAsync(failed.Id));
        Assert.Null(await Store.GetAsync(recent.Id));
        Assert.Equal(processing, await Store.GetAsync(processing.Id));
        Assert.Equal(1, await CountJobsAsync());
    }

    /// <summary>A store of the provider under test, on <see cref="Clock"/>; the derived class owns and disposes it.</summary>
    protected abstract Task<IJobStore> CreateStoreAsync(JobOptions options);

    /// <summary>Jobs the store holds, counted by the provider itself.</summary>
    protected abstract Task<long> CountJobsAsync();

    /// <summary>One explicit sweep of <see cref="Store"/>; returns how many jobs it deleted.</summary>
    protected abstract Task<long> SweepAsync();

    /// <summary>Asserts the jobs are equal; results by their JSON, since <see cref="PredictionResult"/> has no value equality.</summary>
    protected static void AssertJob(JobRecord expected, JobRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Result = null }, actual with { Result = null });
        Assert.Equal(expected.Result?.ToString(), actual.Result?.ToString());
    }

    protected JobRecord NewJob() =>
        new(Guid.NewGuid(), new string('a', 64), "sentiment", "input", JobStatus.Processing, null, null, Clock.GetUtcNow(), null);

    protected void AdvanceTo(DateTimeOffset instant) => Clock.Advance(instant - Clock.GetUtcNow());
}

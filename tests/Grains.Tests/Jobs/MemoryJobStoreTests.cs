using Microsoft.Extensions.Options;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Jobs;

public sealed class MemoryJobStoreTests : IDisposable
{
    private static readonly PredictionResult Result = PredictionResult.FromJson("""{"sentiment":"positive"}"""u8);

    private readonly ManualTimeProvider _clock = new();
    private readonly MemoryJobStore _store;

    public MemoryJobStoreTests() =>
        _store = new MemoryJobStore(_clock, Options.Create(new JobOptions { RetentionHours = 2, SweepIntervalMinutes = 5 }));

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Create_ThenGet_ReturnsTheProcessingJob()
    {
        // Arrange
        var job = NewJob();

        // Act
        await _store.CreateAsync(job);
        var stored = await _store.GetAsync(job.Id);

        // Assert
        Assert.Equal(job, stored);
        Assert.Equal(JobStatus.Processing, stored!.Status);
        Assert.False(stored.IsFinished);
        Assert.Equal(1, _store.Count);
    }

    [Fact]
    public async Task Create_ExistingId_ThrowsAndKeepsTheFirst()
    {
        // Arrange
        var job = NewJob();
        await _store.CreateAsync(job);

        // Act
        var create = () => _store.CreateAsync(job with { InputText = "other" });

        // Assert
        await Assert.ThrowsAsync<InvalidOperationException>(create);
        Assert.Equal("input", (await _store.GetAsync(job.Id))!.InputText);
    }

    [Fact]
    public async Task Get_UnknownId_IsNull()
    {
        // Act
        var job = await _store.GetAsync(Guid.NewGuid());

        // Assert
        Assert.Null(job);
    }

    [Fact]
    public async Task Complete_ProcessingJob_StoresResultAndCompletionTime()
    {
        // Arrange
        var job = NewJob();
        await _store.CreateAsync(job);
        var completedAt = _clock.GetUtcNow().AddSeconds(3);

        // Act
        await _store.CompleteAsync(job.Id, Result, completedAt);

        // Assert
        var stored = await _store.GetAsync(job.Id);
        Assert.Equal(job with { Status = JobStatus.Completed, Result = Result, CompletedAt = completedAt }, stored);
        Assert.True(stored!.IsFinished);
    }

    [Fact]
    public async Task Fail_ProcessingJob_StoresErrorAndCompletionTime()
    {
        // Arrange
        var job = NewJob();
        await _store.CreateAsync(job);
        var failedAt = _clock.GetUtcNow().AddSeconds(3);

        // Act
        await _store.FailAsync(job.Id, "model down", failedAt);

        // Assert
        var stored = await _store.GetAsync(job.Id);
        Assert.Equal(job with { Status = JobStatus.Failed, Error = "model down", CompletedAt = failedAt }, stored);
        Assert.Null(stored!.Result);
    }

    [Fact]
    public async Task Complete_Twice_KeepsTheFirstOutcome()
    {
        // Arrange
        var job = NewJob();
        await _store.CreateAsync(job);
        var first = _clock.GetUtcNow().AddSeconds(1);
        await _store.CompleteAsync(job.Id, Result, first);

        // Act
        await _store.CompleteAsync(job.Id, PredictionResult.FromJson("1"u8), first.AddSeconds(1));
        await _store.FailAsync(job.Id, "late failure", first.AddSeconds(2));

        // Assert
        var stored = await _store.GetAsync(job.Id);
        Assert.Equal(job with { Status = JobStatus.Completed, Result = Result, CompletedAt = first }, stored);
    }

    [Fact]
    public async Task Fail_ThenComplete_KeepsTheFailure()
    {
        // Arrange
        var job = NewJob();
        await _store.CreateAsync(job);
        await _store.FailAsync(job.Id, "model down", _clock.GetUtcNow());

        // Act
        await _store.CompleteAsync(job.Id, Result, _clock.GetUtcNow());

        // Assert
        Assert.Equal(JobStatus.Failed, (await _store.GetAsync(job.Id))!.Status);
    }

    [Fact]
    public async Task Complete_UnknownId_CreatesNothing()
    {
        // Act
        var id = Guid.NewGuid();
        await _store.CompleteAsync(id, Result, _clock.GetUtcNow());
        await _store.FailAsync(id, "error", _clock.GetUtcNow());

        // Assert
        Assert.Null(await _store.GetAsync(id));
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task Complete_ConcurrentFinishers_ExactlyOneWins()
    {
        // Arrange
        var job = NewJob();
        await _store.CreateAsync(job);
        var start = _clock.GetUtcNow();

        // Act: each finisher stamps its own completion time; the job must carry one finisher's outcome whole.
        await Task.WhenAll(Enumerable.Range(1, 16).Select(i => Task.Run(() => i % 2 == 0
            ? _store.CompleteAsync(job.Id, PredictionResult.FromJson(System.Text.Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture))), start.AddSeconds(i))
            : _store.FailAsync(job.Id, "error " + i, start.AddSeconds(i)))));

        // Assert
        var stored = (await _store.GetAsync(job.Id))!;
        var winner = (int)(stored.CompletedAt!.Value - start).TotalSeconds;
        if (winner % 2 == 0)
        {
            Assert.Equal(JobStatus.Completed, stored.Status);
            Assert.Equal(winner.ToString(System.Globalization.CultureInfo.InvariantCulture), stored.Result!.ToString());
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
    public async Task Wait_UnknownId_IsNull()
    {
        // Act
        var job = await _store.WaitAsync(Guid.NewGuid(), TimeSpan.FromSeconds(10)).WaitAsync(CacheHost.HangGuard);

        // Assert
        Assert.Null(job);
    }

    [Fact]
    public async Task Wait_FinishedJob_ReturnsAtOnce()
    {
        // Arrange
        var job = NewJob();
        await _store.CreateAsync(job);
        await _store.CompleteAsync(job.Id, Result, _clock.GetUtcNow());

        // Act
        var wait = _store.WaitAsync(job.Id, TimeSpan.FromSeconds(10));

        // Assert
        Assert.True(wait.IsCompletedSuccessfully);
        Assert.Equal(JobStatus.Completed, (await wait)!.Status);
    }

    [Fact]
    public async Task Wait_JobCompletesMeanwhile_ReturnsAtCompletion()
    {
        // Arrange
        var job = NewJob();
        await _store.CreateAsync(job);
        var first = _store.WaitAsync(job.Id, TimeSpan.FromSeconds(10));
        var second = _store.WaitAsync(job.Id, TimeSpan.FromSeconds(10));
        Assert.False(first.IsCompleted);

        // Act
        await _store.CompleteAsync(job.Id, Result, _clock.GetUtcNow());

        // Assert
        var firstJob = await first.WaitAsync(CacheHost.HangGuard);
        var secondJob = await second.WaitAsync(CacheHost.HangGuard);
        Assert.Equal(JobStatus.Completed, firstJob!.Status);
        Assert.Same(firstJob, secondJob);
    }

    [Fact]
    public async Task Wait_TimeoutPasses_ReturnsTheProcessingJob()
    {
        // Arrange
        var job = NewJob();
        await _store.CreateAsync(job);
        var wait = _store.WaitAsync(job.Id, TimeSpan.FromSeconds(5));

        // Act
        _clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        var completedEarly = wait.IsCompleted;
        _clock.Advance(TimeSpan.FromTicks(1));
        var waited = await wait.WaitAsync(CacheHost.HangGuard);

        // Assert
        Assert.False(completedEarly);
        Assert.Equal(job, waited);
    }

    [Fact]
    public async Task Wait_AfterATimedOutWait_StillSeesCompletion()
    {
        // Arrange
        var job = NewJob();
        await _store.CreateAsync(job);
        var timedOut = _store.WaitAsync(job.Id, TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromSeconds(1));
        await timedOut.WaitAsync(CacheHost.HangGuard);
        var wait = _store.WaitAsync(job.Id, TimeSpan.FromSeconds(10));

        // Act
        await _store.CompleteAsync(job.Id, Result, _clock.GetUtcNow());

        // Assert
        Assert.Equal(JobStatus.Completed, (await wait.WaitAsync(CacheHost.HangGuard))!.Status);
    }

    [Fact]
    public async Task Wait_ZeroTimeout_ReturnsTheCurrentRecordAtOnce()
    {
        // Arrange
        var job = NewJob();
        await _store.CreateAsync(job);

        // Act
        var wait = _store.WaitAsync(job.Id, TimeSpan.Zero);

        // Assert
        Assert.True(wait.IsCompletedSuccessfully);
        Assert.Equal(job, await wait);
    }

    [Fact]
    public async Task Wait_Cancelled_Throws()
    {
        // Arrange
        var job = NewJob();
        await _store.CreateAsync(job);
        using var cancellation = new CancellationTokenSource();
        var wait = _store.WaitAsync(job.Id, TimeSpan.FromSeconds(10), cancellation.Token);

        // Act
        await cancellation.CancelAsync();

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(CacheHost.HangGuard));
    }

    [Fact]
    public async Task Sweep_FinishedJobsPastRetention_AreRemovedProcessingJobsNeverAre()
    {
        // Arrange: a store whose own sweep does not run in this test's time span.
        using var store = new MemoryJobStore(_clock, Options.Create(new JobOptions { RetentionHours = 2, SweepIntervalMinutes = 1440 }));
        var processing = NewJob();
        var completed = NewJob();
        var failed = NewJob();
        var recent = NewJob();
        foreach (var job in new[] { processing, completed, failed, recent })
        {
            await store.CreateAsync(job);
        }

        var finishedAt = _clock.GetUtcNow();
        await store.CompleteAsync(completed.Id, Result, finishedAt);
        await store.FailAsync(failed.Id, "error", finishedAt);
        await store.CompleteAsync(recent.Id, Result, finishedAt.AddTicks(1));

        // Act: one tick before the retention ends, exactly at it, then one tick later.
        AdvanceTo(finishedAt + TimeSpan.FromHours(2) - TimeSpan.FromTicks(1));
        var removedEarly = store.Sweep();
        AdvanceTo(finishedAt + TimeSpan.FromHours(2));
        var removed = store.Sweep();
        AdvanceTo(finishedAt + TimeSpan.FromHours(2) + TimeSpan.FromTicks(1));
        var removedLater = store.Sweep();

        // Assert
        Assert.Equal(0, removedEarly);
        Assert.Equal(2, removed);
        Assert.Equal(1, removedLater);
        Assert.Null(await store.GetAsync(completed.Id));
        Assert.Null(await store.GetAsync(failed.Id));
        Assert.Null(await store.GetAsync(recent.Id));
        Assert.Equal(processing, await store.GetAsync(processing.Id));
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task Sweep_RunsEveryIntervalOnTheClock()
    {
        // Arrange: retention 2 h, a sweep every 5 min; the job finishes 1 min in.
        var job = NewJob();
        var processing = NewJob();
        await _store.CreateAsync(job);
        await _store.CreateAsync(processing);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await _store.CompleteAsync(job.Id, Result, _clock.GetUtcNow());

        // Act: the sweep at 2 h 0 min is one minute short; the one at 2 h 5 min is past the retention.
        _clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(3));
        var afterFirstSweeps = await _store.GetAsync(job.Id);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var afterNextSweep = await _store.GetAsync(job.Id);

        // Assert
        Assert.NotNull(afterFirstSweeps);
        Assert.Null(afterNextSweep);
        Assert.NotNull(await _store.GetAsync(processing.Id));
    }

    private JobRecord NewJob() =>
        new(Guid.NewGuid(), new string('a', 64), "sentiment", "input", JobStatus.Processing, null, null, _clock.GetUtcNow(), null);

    private void AdvanceTo(DateTimeOffset instant) => _clock.Advance(instant - _clock.GetUtcNow());
}

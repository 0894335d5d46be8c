using PredictionCache.Grains.Jobs;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Jobs;

/// <summary>
/// <see cref="JobWaiters"/>' wake-ups in the orderings a shared store allows, driven step by step: each waiter's reads
/// are answered by the test, and the clock never moves, so no poll rescues a waiter that was not woken.
/// </summary>
public sealed class JobWaitersTests
{
    private static readonly JobRecord Processing = new(
        Guid.NewGuid(), "key", "model", "text", JobStatus.Processing, null, null, DateTimeOffset.UnixEpoch, null);

    private static readonly JobRecord Completed = Processing with { Status = JobStatus.Failed, Error = "done" };

    [Fact]
    public async Task Wait_AnotherWaiterSeesTheFinishBeforeTheSignal_BothWake()
    {
        // Arrange: the second waiter reads before the commit; the first reads after the commit but before the
        // store's signal, and the signal is never sent (the job was finished by another node).
        var waiters = new JobWaiters(new TestClock(), TimeSpan.FromSeconds(10));
        var second = waiters.WaitAsync(Processing.Id, TimeSpan.FromSeconds(10), Reads(Processing, Processing, Completed), default);

        // Act
        var first = await waiters.WaitAsync(Processing.Id, TimeSpan.FromSeconds(10), Reads(Processing, Completed), default)
            .WaitAsync(TestWait.HangGuard);
        var secondJob = await second.WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.Equal(Completed, first);
        Assert.Equal(Completed, secondJob);
    }

    [Fact]
    public async Task Wait_ManyWaitersOneSignal_EveryWaiterWakesOnceAndNoEntryStays()
    {
        // Arrange
        var waiters = new JobWaiters(new TestClock());
        var finished = false;
        var reads = 0;
        var readSignal = new ChangeSignal();
        Task<JobRecord?> Read(Guid id, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref reads);
            readSignal.Notify();
            return Task.FromResult<JobRecord?>(Volatile.Read(ref finished) ? Completed : Processing);
        }

        var waits = Enumerable.Range(0, 200)
            .Select(_ => Task.Run(() => waiters.WaitAsync(Processing.Id, TimeSpan.FromSeconds(10), Read, default)))
            .ToArray();
        await readSignal.WaitUntilAsync(() => Volatile.Read(ref reads) >= 400, "every waiter's second read");

        // Act
        Volatile.Write(ref finished, true);
        waiters.Signal(Processing.Id);
        var jobs = await Task.WhenAll(waits).WaitAsync(TestWait.HangGuard);

        // Assert: each waiter read twice before the signal and once after it.
        Assert.All(jobs, job => Assert.Equal(Completed, job));
        Assert.Equal(600, Volatile.Read(ref reads));
        Assert.Equal(0, waiters.Count);
    }

    /// <summary>Answers a waiter's reads in order, then repeats the last.</summary>
    private static Func<Guid, CancellationToken, Task<JobRecord?>> Reads(params JobRecord[] answers)
    {
        var next = 0;
        return (_, _) => Task.FromResult<JobRecord?>(answers[Math.Min(next++, answers.Length - 1)]);
    }
}

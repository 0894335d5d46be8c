using Microsoft.Extensions.Options;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Inference;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Scheduling;

// Not under Inference/: that folder belongs to the built-in model's tests.
public sealed class InferenceSchedulerTests
{
    private readonly TestClock _clock = new();
    private readonly CacheStatistics _statistics = new();

    [Fact]
    public async Task Run_MoreThanMaxConcurrency_RunsExactlyTheLimitAtOnce()
    {
        // Arrange
        var scheduler = NewScheduler(maxConcurrency: 3, maxQueueLength: 100);
        var backend = new FakeInferenceBackend();
        for (var i = 0; i < 10; i++)
        {
            Assert.True(scheduler.TryAdmit());
        }

        // Act
        var runs = Enumerable.Range(0, 10).Select(i => scheduler.RunAsync(backend, "text " + i)).ToArray();
        await backend.WaitForCallsAsync(3);
        var (callsWhileHeld, queuedWhileHeld, inflightWhileHeld) = (backend.Calls, scheduler.Queued, _statistics.Inflight);
        backend.Release();
        var outcomes = await Task.WhenAll(runs).WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.Equal(3, callsWhileHeld);
        Assert.Equal(7, queuedWhileHeld);
        Assert.Equal(10, inflightWhileHeld);
        Assert.Equal(3, backend.MaxConcurrent);
        Assert.Equal(10, backend.Calls);
        Assert.All(outcomes, o => Assert.NotNull(o.Result));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => FakeInferenceBackend.AnswerFor("text " + i)), outcomes.Select(o => o.Result!.ToString()));
        Assert.Equal(0, scheduler.Queued);
        Assert.Equal(0, _statistics.Inflight);
        Assert.Equal(10, _statistics.Inferences);
    }

    [Fact]
    public async Task TryAdmit_ConcurrentCallers_AdmitsExactlyConcurrencyPlusQueueLength()
    {
        // Arrange
        var scheduler = NewScheduler(maxConcurrency: 2, maxQueueLength: 3);
        var admitted = 0;

        // Act
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                if (scheduler.TryAdmit())
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        })));

        // Assert
        Assert.Equal(5, admitted);
        Assert.Equal(5, _statistics.Inflight);
        Assert.False(scheduler.TryAdmit());
    }

    [Fact]
    public void TryAdmit_NoQueue_AdmitsOnlyTheRunningSlots()
    {
        // Arrange
        var scheduler = NewScheduler(maxConcurrency: 1, maxQueueLength: 0);

        // Act
        var first = scheduler.TryAdmit();
        var second = scheduler.TryAdmit();

        // Assert
        Assert.True(first);
        Assert.False(second);
        Assert.Equal(1, _statistics.Inflight);
    }

    [Fact]
    public void Withdraw_FullScheduler_RestoresOneAdmission()
    {
        // Arrange
        var scheduler = NewScheduler(maxConcurrency: 1, maxQueueLength: 1);
        Assert.True(scheduler.TryAdmit());
        Assert.True(scheduler.TryAdmit());
        Assert.False(scheduler.TryAdmit());

        // Act
        scheduler.Withdraw();

        // Assert
        Assert.Equal(1, _statistics.Inflight);
        Assert.True(scheduler.TryAdmit());
        Assert.False(scheduler.TryAdmit());
        Assert.Equal(2, _statistics.Inflight);
        Assert.Equal(0, _statistics.Inferences);
    }

    [Fact]
    public async Task Run_Finished_RestoresCapacity()
    {
        // Arrange
        var scheduler = NewScheduler(maxConcurrency: 1, maxQueueLength: 0);
        var backend = new FakeInferenceBackend(gated: false);
        Assert.True(scheduler.TryAdmit());
        Assert.False(scheduler.TryAdmit());

        // Act
        await scheduler.RunAsync(backend, "text").WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.True(scheduler.TryAdmit());
    }

    [Fact]
    public async Task Run_BackendReportsFailure_FailedOutcomeWithItsMessage()
    {
        // Arrange
        var scheduler = NewScheduler();
        var backend = new FakeInferenceBackend(gated: false) { Failure = () => new InferenceFailedException(FakeInferenceBackend.Descriptor, "model server answered 503") };
        Assert.True(scheduler.TryAdmit());

        // Act
        var outcome = await scheduler.RunAsync(backend, "text").WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.Null(outcome.Result);
        Assert.Equal("model server answered 503", outcome.Error);
        Assert.Equal(0, _statistics.Inflight);
        Assert.Equal(1, _statistics.Inferences);
        Assert.True(scheduler.TryAdmit());
    }

    [Fact]
    public async Task Run_BackendThrows_FailedOutcomeNamingModelAndMessage()
    {
        // Arrange
        var scheduler = NewScheduler();
        var backend = new FakeInferenceBackend(gated: false) { Failure = () => new InvalidOperationException("boom") };
        Assert.True(scheduler.TryAdmit());

        // Act
        var outcome = await scheduler.RunAsync(backend, "text").WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.Null(outcome.Result);
        Assert.Equal("Inference by model 'fake' failed: boom", outcome.Error);
        Assert.Equal(0, _statistics.Inflight);
    }

    [Fact]
    public async Task Run_BackendSlowerThanTimeout_FailedOutcomeTimedOut()
    {
        // Arrange
        var scheduler = NewScheduler(timeoutSeconds: 5);
        var backend = new FakeInferenceBackend();
        Assert.True(scheduler.TryAdmit());
        var run = scheduler.RunAsync(backend, "text");
        await backend.WaitForCallsAsync(1);

        // Act
        _clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        var completedEarly = run.IsCompleted;
        _clock.Advance(TimeSpan.FromTicks(1));
        var outcome = await run.WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.False(completedEarly);
        Assert.Null(outcome.Result);
        Assert.Equal("Inference by model 'fake' timed out after 5 s.", outcome.Error);
        Assert.Equal(0, _statistics.Inflight);
        Assert.Equal(1, _statistics.Inferences);
        Assert.True(scheduler.TryAdmit());
    }

    [Fact]
    public async Task Run_BackendIgnoringItsToken_FailsOnTimeAndHoldsItsSlotUntilItReturns()
    {
        // Arrange
        var scheduler = NewScheduler(maxConcurrency: 1, maxQueueLength: 1, timeoutSeconds: 5);
        var deaf = new DeafBackend();
        var next = new FakeInferenceBackend(gated: false);
        Assert.True(scheduler.TryAdmit());
        Assert.True(scheduler.TryAdmit());
        var first = scheduler.RunAsync(deaf, "deaf");

        // Act
        _clock.Advance(TimeSpan.FromSeconds(5));
        var firstOutcome = await first.WaitAsync(TestWait.HangGuard);
        var second = scheduler.RunAsync(next, "next");
        var secondWaitedForTheSlot = !second.IsCompleted && next.Calls == 0;
        deaf.Answer.SetResult(PredictionResult.FromJson("1"u8));
        var secondOutcome = await second.WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.Equal("Inference by model 'deaf' timed out after 5 s.", firstOutcome.Error);
        Assert.True(secondWaitedForTheSlot);
        Assert.Equal(FakeInferenceBackend.AnswerFor("next"), secondOutcome.Result!.ToString());
        Assert.Equal(0, _statistics.Inflight);
    }

    [Fact]
    public async Task Run_TimedOut_FreesTheSlotForTheNextRun()
    {
        // Arrange
        var scheduler = NewScheduler(maxConcurrency: 1, maxQueueLength: 1, timeoutSeconds: 5);
        var backend = new FakeInferenceBackend();
        Assert.True(scheduler.TryAdmit());
        Assert.True(scheduler.TryAdmit());
        var first = scheduler.RunAsync(backend, "first");
        var second = scheduler.RunAsync(backend, "second");
        await backend.WaitForCallsAsync(1);

        // Act
        _clock.Advance(TimeSpan.FromSeconds(5));
        var firstOutcome = await first.WaitAsync(TestWait.HangGuard);
        await backend.WaitForCallsAsync(2);
        backend.Release();
        var secondOutcome = await second.WaitAsync(TestWait.HangGuard);

        // Assert
        Assert.NotNull(firstOutcome.Error);
        Assert.Equal(FakeInferenceBackend.AnswerFor("second"), secondOutcome.Result!.ToString());
        Assert.Equal(1, backend.MaxConcurrent);
    }

    private InferenceScheduler NewScheduler(int maxConcurrency = 4, int maxQueueLength = 10, int timeoutSeconds = 30) =>
        new(
            Options.Create(new InferenceOptions { MaxConcurrency = maxConcurrency, MaxQueueLength = maxQueueLength, TimeoutSeconds = timeoutSeconds }),
            _clock,
            _statistics);

    /// <summary>A backend that never looks at its cancellation token: only the scheduler's own timeout can end it.</summary>
    private sealed class DeafBackend : IInferenceBackend
    {
        public TaskCompletionSource<PredictionResult> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Models.ModelDescriptor Model { get; } = new("deaf", "1");

        public Task<PredictionResult> InferAsync(string normalizedText, CancellationToken cancellationToken = default) => Answer.Task;
    }
}

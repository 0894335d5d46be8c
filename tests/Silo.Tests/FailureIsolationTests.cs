using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests;

/// <summary>An exception in a grain fails that call only.</summary>
public sealed class FailureIsolationTests
{
    [Fact]
    public async Task Call_ThrowingMethod_LeavesActivationUsable()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ICounterGrain>("faulty");
        await grain.IncrementAsync();
        var activation = await grain.GetActivationIdAsync();

        // Act
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.FailAsync("boom"));

        // Assert
        Assert.Equal("boom", exception.Message);
        Assert.Equal(2, await grain.IncrementAsync());
        Assert.Equal(activation, await grain.GetActivationIdAsync());
        Assert.Empty(silo.Probe.Deactivations("faulty"));
        Assert.Equal(1, silo.Management.GetActivationCount<CounterGrain>());
    }

    [Fact]
    public async Task Call_ThrowingMethodAmongConcurrentCalls_FailsOnlyThatCall()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ICounterGrain>("one-bad-call");

        // Act
        var before = Enumerable.Range(0, 50).Select(_ => grain.IncrementAsync()).ToArray();
        var failing = grain.FailAsync("only me");
        var after = Enumerable.Range(0, 50).Select(_ => grain.IncrementAsync()).ToArray();

        // Assert
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(TestSilo.Timeout));
        var values = await Task.WhenAll(before.Concat(after)).WaitAsync(TestSilo.Timeout);
        Assert.Equal(Enumerable.Range(1, 100), values.Order());
        Assert.Single(silo.Probe.Activations("one-bad-call"));
    }

    [Fact]
    public async Task Activate_OnActivateAsyncThrows_FailsTheCallAndNextCallActivatesAgain()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<IFlakyActivationGrain>("flaky");

        // Act
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(grain.GetAttemptAsync);
        var attempt = await grain.GetAttemptAsync();

        // Assert
        Assert.Equal("The first activation fails on purpose.", exception.Message);
        Assert.Equal(2, attempt);
        Assert.Single(silo.Probe.Activations("flaky"));
        Assert.Empty(silo.Probe.Deactivations("flaky"));
        Assert.Equal(1, silo.Management.GetActivationCount<FlakyActivationGrain>());
        Assert.Contains(silo.Logs.Entries, e => e.EventId.Id == 1 && e.Exception == exception);
    }

    [Fact]
    public async Task Activate_OnActivateAsyncThrows_CallsQueuedBehindItGetAFreshActivation()
    {
        // Arrange: hold the first activation inside OnActivateAsync while more calls queue behind it.
        await using var silo = await TestSilo.StartAsync();
        var blocker = new Blocker();
        silo.Probe.ActivationBlocker = blocker;
        var grain = silo.GetGrain<IFlakyActivationGrain>("flaky-queued");
        var first = grain.GetAttemptAsync();
        await blocker.Entered;
        var queued = Enumerable.Range(0, 4).Select(_ => grain.GetAttemptAsync()).ToArray();
        Assert.DoesNotContain(queued, call => call.IsCompleted);

        // Act
        blocker.Release();

        // Assert: only the call that activated fails; the queued ones all run on the second attempt's activation.
        await Assert.ThrowsAsync<InvalidOperationException>(() => first.WaitAsync(TestSilo.Timeout));
        var attempts = await Task.WhenAll(queued).WaitAsync(TestSilo.Timeout);
        Assert.All(attempts, attempt => Assert.Equal(2, attempt));
        Assert.Equal(2, silo.Probe.Count("flaky-queued", ProbeEventKind.ActivationAttempt));
        Assert.Single(silo.Probe.Activations("flaky-queued"));
        Assert.Equal(1, silo.Management.GetActivationCount<FlakyActivationGrain>());
    }
}

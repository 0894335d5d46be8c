using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests;

/// <summary>Activation and deactivation of one grain: hooks, reasons, persistent state and DeactivateOnIdle.</summary>
public sealed class GrainLifecycleTests
{
    private const int Iterations = 200;

    [Fact]
    public async Task Activate_ManyCalls_OnActivateAsyncRunsOnce()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ICounterGrain>("once");

        // Act
        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(grain.IncrementAsync))).WaitAsync(TestSilo.Timeout);

        // Assert
        Assert.Single(silo.Probe.Activations("once"));
        Assert.Empty(silo.Probe.Deactivations("once"));
        Assert.Equal(100, await grain.GetValueAsync());
    }

    [Fact]
    public async Task Activate_NoStoredRecord_OnActivateSeesFreshState()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();

        // Act
        await silo.GetGrain<ICounterGrain>("fresh").GetValueAsync();

        // Assert
        Assert.Equal([new ActivationSnapshot(RecordExists: false, Value: 0)], silo.Probe.Activations("fresh"));
    }

    [Fact]
    public async Task Deactivate_StateWrittenInOneActivation_IsReadBeforeOnActivateOfTheNext()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ICounterGrain>("persisted");
        await grain.IncrementAsync();
        await grain.IncrementAsync();
        var firstActivation = await grain.GetActivationIdAsync();

        // Act
        await grain.DeactivateOnIdleAsync("test");
        var value = await grain.GetValueAsync();

        // Assert
        Assert.Equal(2, value);
        Assert.NotEqual(firstActivation, await grain.GetActivationIdAsync());
        Assert.Equal(
            [new ActivationSnapshot(RecordExists: false, Value: 0), new ActivationSnapshot(RecordExists: true, Value: 2)],
            silo.Probe.Activations("persisted"));
    }

    [Fact]
    public async Task DeactivateOnIdle_CalledInATurn_OnDeactivateRunsOnceWithApplicationRequested()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ICounterGrain>("self");
        await grain.IncrementAsync();

        // Act
        await grain.DeactivateSelfAsync();
        await silo.Probe.WaitUntilAsync(p => p.Deactivations("self").Count == 1);

        // Assert
        var reason = Assert.Single(silo.Probe.Deactivations("self"));
        Assert.Equal(DeactivationReasonCode.ApplicationRequested, reason.Code);
        Assert.Single(silo.Probe.Activations("self"));
    }

    [Fact]
    public async Task DeactivateOnIdle_NextCall_RunsOnANewActivation()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();

        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var key = $"next-{iteration}";
            var grain = silo.GetGrain<ICounterGrain>(key);
            await grain.IncrementAsync();

            // Act
            var deactivated = await grain.DeactivateSelfAsync();
            var next = await grain.GetActivationIdAsync();

            // Assert: the call made after DeactivateOnIdle's turn waited for the deactivation, then activated anew.
            Assert.NotEqual(deactivated, next);
            Assert.Equal(2, silo.Probe.Activations(key).Count);
            var reason = Assert.Single(silo.Probe.Deactivations(key));
            Assert.Equal(DeactivationReasonCode.ApplicationRequested, reason.Code);
            Assert.Equal(1, await grain.GetValueAsync());
        }

        Assert.Equal(Iterations, silo.Management.GetActivationCount<CounterGrain>());
    }

    [Fact]
    public async Task DeactivateOnIdle_CallsQueuedBehindTheTurn_RunOnTheNextActivation()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ICounterGrain>("queued");
        var firstActivation = await grain.GetActivationIdAsync();

        // Act: queue exclusive calls behind the deactivating turn.
        var deactivating = grain.DeactivateSelfAsync();
        var queued = Enumerable.Range(0, 10).Select(_ => grain.IncrementAsync()).ToArray();
        await deactivating.WaitAsync(TestSilo.Timeout);
        var values = await Task.WhenAll(queued).WaitAsync(TestSilo.Timeout);

        // Assert: had they run on the first activation, it would have stored 10 for the second one to read.
        Assert.Equal(Enumerable.Range(1, 10), values.Order());
        Assert.Equal(
            [new ActivationSnapshot(RecordExists: false, Value: 0), new ActivationSnapshot(RecordExists: false, Value: 0)],
            silo.Probe.Activations("queued"));
        Assert.Single(silo.Probe.Deactivations("queued"));
        Assert.NotEqual(firstActivation, await grain.GetActivationIdAsync());
    }

    [Fact]
    public async Task DeactivateOnIdle_RequestedTwice_DeactivatesOnce()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ICounterGrain>("twice");
        await grain.GetValueAsync();

        // Act
        var first = grain.DeactivateOnIdleAsync("first");
        var second = grain.DeactivateOnIdleAsync("second");
        await Task.WhenAll(first, second).WaitAsync(TestSilo.Timeout);

        // Assert
        var reason = Assert.Single(silo.Probe.Deactivations("twice"));
        Assert.Equal(new DeactivationReason(DeactivationReasonCode.ExternalRequest, "first"), reason);
        Assert.Equal(0, silo.Management.GetActivationCount<CounterGrain>());
    }

    [Fact]
    public async Task DeactivateOnIdleAsync_NoActivation_CompletesWithoutActivating()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ICounterGrain>("never-called");

        // Act
        var deactivation = grain.DeactivateOnIdleAsync("nothing to do");

        // Assert
        Assert.True(deactivation.IsCompletedSuccessfully);
        Assert.Empty(silo.Probe.Activations("never-called"));
        await deactivation;
    }
}

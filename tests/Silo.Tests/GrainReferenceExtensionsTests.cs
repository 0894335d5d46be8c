using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests;

public sealed class GrainReferenceExtensionsTests
{
    [Fact]
    public async Task DeactivateOnIdleAsync_FromAnotherGrain_TargetSeesExternalRequestWithDescription()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var target = silo.GetGrain<ICounterGrain>("target");
        await target.IncrementAsync();
        var deactivator = silo.GetGrain<IDeactivatorGrain>("directory");

        // Act: the task completes once the target is gone.
        await deactivator.DeactivateCounterAsync("target", "evicted: coldest entry");

        // Assert
        var reason = Assert.Single(silo.Probe.Deactivations("target"));
        Assert.Equal(new DeactivationReason(DeactivationReasonCode.ExternalRequest, "evicted: coldest entry"), reason);
        Assert.Equal(0, silo.Management.GetActivationCount<CounterGrain>());
        Assert.Equal(1, silo.Management.GetActivationCount<DeactivatorGrain>());
    }

    [Fact]
    public async Task DeactivateOnIdleAsync_WhileATurnRuns_DeactivatesAfterItAheadOfQueuedCalls()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ITurnGrain>("busy");
        Assert.Equal(1, await grain.ExclusiveAsync());
        var blocker = new Blocker();
        var running = grain.BlockAsync(blocker);
        await blocker.Entered;
        var queued = grain.ExclusiveAsync();

        // Act
        var deactivation = grain.DeactivateOnIdleAsync("make room");
        Assert.False(deactivation.IsCompleted);
        blocker.Release();
        await running.WaitAsync(TestSilo.Timeout);
        await deactivation.WaitAsync(TestSilo.Timeout);

        // Assert: the queued call ran on a new activation, so it is that activation's first exclusive call.
        Assert.Equal(1, await queued.WaitAsync(TestSilo.Timeout));
        Assert.Equal(1, silo.Management.GetActivationCount<TurnGrain>());
    }

    [Fact]
    public async Task DeactivateOnIdleAsync_NotAReference_ThrowsArgumentException()
    {
        // Arrange
        var notAReference = new NotAReference();

        // Act and assert
        await Assert.ThrowsAsync<ArgumentException>(() => notAReference.DeactivateOnIdleAsync("x"));
    }

    private sealed class NotAReference : IAddressable
    {
        public GrainId GrainId => default;
    }
}

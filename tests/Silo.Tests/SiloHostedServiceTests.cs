using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests;

public sealed class SiloHostedServiceTests
{
    [Fact]
    public async Task StopAsync_DeactivatesEveryActivationWithShuttingDown()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        string[] keys = ["a", "b", "c"];
        foreach (var key in keys)
        {
            await silo.GetGrain<ICounterGrain>(key).IncrementAsync();
        }

        await silo.GetGrain<IAlwaysActiveGrain>("pinned").PingAsync();
        await silo.GetGrain<ITimerGrain>("timers").StartTimerAsync(new TimerSpec("t", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)));

        // Act
        await silo.StopAsync();

        // Assert
        foreach (var key in keys.Append("pinned").Append("timers"))
        {
            var reason = Assert.Single(silo.Probe.Deactivations(key));
            Assert.Equal(DeactivationReasonCode.ShuttingDown, reason.Code);
        }

        Assert.All(silo.Management.GetActivationCounts().Values, count => Assert.Equal(0, count));
        Assert.Equal(0, silo.Runtime.TimerWheel.Count);
        Assert.True(silo.Runtime.Stopping.IsCancellationRequested);
    }

    [Fact]
    public async Task StopAsync_WaitsForTheRunningTurn()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ITimerGrain>("busy");
        var blocker = new Blocker();
        var call = grain.BlockAsync(blocker);
        await blocker.Entered;

        // Act
        var stopping = silo.StopAsync();
        var stoppedDuringTurn = stopping.IsCompleted;
        blocker.Release();
        await call.WaitAsync(TestSilo.Timeout);
        await stopping.WaitAsync(TestSilo.Timeout);

        // Assert
        Assert.False(stoppedDuringTurn);
        Assert.Equal(DeactivationReasonCode.ShuttingDown, Assert.Single(silo.Probe.Deactivations("busy")).Code);
    }

    [Fact]
    public async Task StopAsync_StopsIdleCollectionAndTheTimerWheel()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var timersBefore = silo.Clock.ActiveTimerCount;

        // Act
        await silo.StopAsync();

        // Assert: the wheel's timer and the collector's timer are gone from the clock.
        Assert.Equal(2, timersBefore);
        Assert.Equal(0, silo.Clock.ActiveTimerCount);
    }

    [Fact]
    public async Task StopAsync_ThenACallForANewActivation_IsRefusedAndActivatesNothing()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        await silo.GetGrain<ICounterGrain>("before").IncrementAsync();

        // Act
        await silo.StopAsync();
        var refused = await Assert.ThrowsAsync<SiloUnavailableException>(() => silo.GetGrain<ICounterGrain>("after").IncrementAsync());

        // Assert
        Assert.Equal("after", refused.GrainId.Key);
        Assert.Empty(silo.Probe.Activations("after"));
        Assert.All(silo.Management.GetActivationCounts().Values, count => Assert.Equal(0, count));
    }
}

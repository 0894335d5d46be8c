using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests;

/// <summary>
/// Grain timers on the shared wheel under the manual clock. Ticks fire inside <c>Clock.Advance</c>; a grain call made
/// afterwards is an exclusive turn, so every tick queued during the advance has run by the time it returns.
/// </summary>
public sealed class GrainTimerTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>A silo whose idle collection waits a day, so advancing the clock by hours keeps the activation.</summary>
    private static Task<TestSilo> StartAsync() =>
        TestSilo.StartAsync(services => services.Configure<GrainCollectionOptions>(options => options.CollectionAge = TimeSpan.FromDays(1)));

    [Fact]
    public async Task OneShotTimer_FiresExactlyOnceAtItsDueTime()
    {
        // Arrange
        await using var silo = await StartAsync();
        var grain = silo.GetGrain<ITimerGrain>("one-shot");
        var start = silo.Clock.GetUtcNow();
        await grain.StartTimerAsync(new TimerSpec("once", TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan));

        // Act and assert: not a millisecond early...
        silo.Clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await grain.GetTickCountAsync());

        // ...on time...
        silo.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, await grain.GetTickCountAsync());
        Assert.Equal(start + TimeSpan.FromSeconds(10), Assert.Single(silo.Probe.Ticks("one-shot")).At);

        // ...and never again.
        silo.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await grain.GetTickCountAsync());
        Assert.Equal(0, silo.Runtime.TimerWheel.Count);
    }

    [Fact]
    public async Task PeriodicTimer_FiresOncePerPeriod()
    {
        // Arrange
        await using var silo = await StartAsync();
        var grain = silo.GetGrain<ITimerGrain>("periodic");
        var start = silo.Clock.GetUtcNow();
        await grain.StartTimerAsync(new TimerSpec("every-minute", Minute, Minute));

        // Act
        silo.Clock.Advance(5 * Minute);

        // Assert
        Assert.Equal(5, await grain.GetTickCountAsync());
        Assert.Equal(
            Enumerable.Range(1, 5).Select(i => start + (i * Minute)),
            silo.Probe.Ticks("periodic").Select(t => t.At));
    }

    [Fact]
    public async Task PeriodicTimer_AfterDispose_NeverFiresAgain()
    {
        // Arrange
        await using var silo = await StartAsync();
        var grain = silo.GetGrain<ITimerGrain>("disposed");
        await grain.StartTimerAsync(new TimerSpec("t", Minute, Minute));
        silo.Clock.Advance(2 * Minute);
        Assert.Equal(2, await grain.GetTickCountAsync());

        // Act
        await grain.DisposeTimerAsync("t");
        silo.Clock.Advance(TimeSpan.FromHours(1));

        // Assert
        Assert.Equal(2, await grain.GetTickCountAsync());
        Assert.Equal(0, silo.Runtime.TimerWheel.Count);
    }

    [Fact]
    public async Task Timers_OnDeactivation_AreDisposed()
    {
        // Arrange
        await using var silo = await StartAsync();
        var grain = silo.GetGrain<ITimerGrain>("deactivated");
        await grain.StartTimerAsync(new TimerSpec("a", Minute, Minute));
        await grain.StartTimerAsync(new TimerSpec("b", 2 * Minute, Timeout.InfiniteTimeSpan));
        Assert.Equal(2, silo.Runtime.TimerWheel.Count);

        // Act
        await grain.DeactivateOnIdleAsync("test");
        silo.Clock.Advance(TimeSpan.FromHours(1));

        // Assert
        Assert.Equal(0, silo.Runtime.TimerWheel.Count);
        Assert.Empty(silo.Probe.Ticks("deactivated"));
        Assert.Single(silo.Probe.Deactivations("deactivated"));
    }

    [Fact]
    public async Task TimerCallback_DueDuringAnExclusiveTurn_WaitsForIt()
    {
        // Arrange
        await using var silo = await StartAsync();
        var grain = silo.GetGrain<ITimerGrain>("turn");
        await grain.StartTimerAsync(new TimerSpec("t", Minute, Timeout.InfiniteTimeSpan));
        var blocker = new Blocker();
        var call = grain.BlockAsync(blocker);
        await blocker.Entered;

        // Act
        silo.Clock.Advance(Minute);

        // Assert: the tick fired and queued for a turn; it has not run.
        Assert.Empty(silo.Probe.Ticks("turn"));
        blocker.Release();
        await call.WaitAsync(TestSilo.Timeout);
        Assert.Equal(1, await grain.GetTickCountAsync());
        Assert.False(Assert.Single(silo.Probe.Ticks("turn")).OverlappedATurn);
    }

    [Fact]
    public async Task InterleavedTimerCallback_RunsDuringAnExclusiveTurn()
    {
        // Arrange
        await using var silo = await StartAsync();
        var grain = silo.GetGrain<ITimerGrain>("interleaved");
        await grain.StartTimerAsync(new TimerSpec("t", Minute, Timeout.InfiniteTimeSpan) { Interleave = true });
        var blocker = new Blocker();
        var call = grain.BlockAsync(blocker);
        await blocker.Entered;

        // Act
        silo.Clock.Advance(Minute);

        // Assert
        Assert.True(Assert.Single(silo.Probe.Ticks("interleaved")).OverlappedATurn);
        blocker.Release();
        await call.WaitAsync(TestSilo.Timeout);
    }

    [Fact]
    public async Task TimerCallback_Throws_TimerKeepsTickingAndActivationStays()
    {
        // Arrange
        await using var silo = await StartAsync();
        var grain = silo.GetGrain<ITimerGrain>("throwing");
        await grain.StartTimerAsync(new TimerSpec("bad", Minute, Minute) { Throws = true });

        // Act
        silo.Clock.Advance(3 * Minute);

        // Assert
        Assert.Equal(3, await grain.GetTickCountAsync());
        Assert.Empty(silo.Probe.Deactivations("throwing"));
        Assert.Single(silo.Probe.Activations("throwing"));
        Assert.Equal(1, silo.Runtime.TimerWheel.Count);
        var failures = silo.Logs.Entries.Where(e => e.EventId.Id == 3).ToList();
        Assert.Equal(3, failures.Count);
        Assert.All(failures, e => Assert.Equal(LogLevel.Warning, e.Level));
        Assert.All(failures, e => Assert.IsType<InvalidOperationException>(e.Exception));
    }

    [Fact]
    public async Task TimerCallback_ChangesItsOwnTimer_NewScheduleWins()
    {
        // Arrange: a one-minute periodic timer that, on its first tick, moves itself to 10 minutes out, then every 3.
        await using var silo = await StartAsync();
        var grain = silo.GetGrain<ITimerGrain>("self-changing");
        var start = silo.Clock.GetUtcNow();
        await grain.StartTimerAsync(new TimerSpec("t", Minute, Minute) { ChangeOnFirstTick = (10 * Minute, 3 * Minute) });

        // Act
        silo.Clock.Advance(21 * Minute);

        // Assert
        Assert.Equal(
            new[] { 1, 11, 14, 17, 20 }.Select(m => start + (m * Minute)),
            silo.Probe.Ticks("self-changing").Select(t => t.At));
        Assert.Equal(5, await grain.GetTickCountAsync());
    }

    [Fact]
    public async Task TimerCallback_ChangesOneShotTimerToPeriodic_NewScheduleWins()
    {
        // Arrange
        await using var silo = await StartAsync();
        var grain = silo.GetGrain<ITimerGrain>("one-shot-changing");
        var start = silo.Clock.GetUtcNow();
        await grain.StartTimerAsync(new TimerSpec("t", Minute, Timeout.InfiniteTimeSpan) { ChangeOnFirstTick = (5 * Minute, Minute) });

        // Act
        silo.Clock.Advance(7 * Minute);

        // Assert
        Assert.Equal(
            [start + Minute, start + (6 * Minute), start + (7 * Minute)],
            silo.Probe.Ticks("one-shot-changing").Select(t => t.At));
    }

    [Fact]
    public async Task TimerCallback_StopsItsTimerWithChangeToInfinite_NoMoreTicks()
    {
        // Arrange
        await using var silo = await StartAsync();
        var grain = silo.GetGrain<ITimerGrain>("self-stopping");
        await grain.StartTimerAsync(new TimerSpec("t", Minute, Minute) { ChangeOnFirstTick = (Timeout.InfiniteTimeSpan, Minute) });

        // Act
        silo.Clock.Advance(TimeSpan.FromHours(1));

        // Assert
        Assert.Equal(1, await grain.GetTickCountAsync());
        Assert.Equal(0, silo.Runtime.TimerWheel.Count);
    }

    [Fact]
    public async Task KeepAliveTimer_KeepsActivationFromIdleCollection()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync(services => services.Configure<GrainCollectionOptions>(options =>
        {
            options.CollectionAge = TimeSpan.FromMinutes(10);
            options.CollectionQuantum = Minute;
        }));
        var kept = silo.GetGrain<ITimerGrain>("kept");
        var plain = silo.GetGrain<ITimerGrain>("plain");
        await kept.StartTimerAsync(new TimerSpec("t", Minute, Minute) { KeepAlive = true });
        await plain.StartTimerAsync(new TimerSpec("t", Minute, Minute));

        // Act
        for (var minute = 0; minute < 15; minute++)
        {
            silo.Clock.Advance(Minute);
            await silo.Collector.LastCollection.WaitAsync(TestSilo.Timeout);
        }

        // Assert
        Assert.Empty(silo.Probe.Deactivations("kept"));
        Assert.Equal(DeactivationReasonCode.ActivationIdle, Assert.Single(silo.Probe.Deactivations("plain")).Code);
        Assert.Equal(15, await kept.GetTickCountAsync());
    }
}

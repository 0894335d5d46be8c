using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests;

/// <summary>Idle collection every <c>CollectionQuantum</c>, driven by the manual clock.</summary>
public sealed class ActivationCollectorTests
{
    private static readonly TimeSpan Age = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Quantum = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Collect_IdlePastCollectionAge_DeactivatesWithActivationIdle()
    {
        // Arrange
        await using var silo = await StartAsync();
        await silo.GetGrain<ICounterGrain>("idle").IncrementAsync();

        // Act
        await AdvanceAsync(silo, Age - Quantum);
        var collectedEarly = silo.Probe.Deactivations("idle").Count;
        await AdvanceAsync(silo, Quantum);

        // Assert
        Assert.Equal(0, collectedEarly);
        var reason = Assert.Single(silo.Probe.Deactivations("idle"));
        Assert.Equal(DeactivationReasonCode.ActivationIdle, reason.Code);
        Assert.Equal(0, silo.Management.GetActivationCount<CounterGrain>());
    }

    [Fact]
    public async Task Collect_RecentlyUsed_IsKeptUntilIdleForTheFullAge()
    {
        // Arrange
        await using var silo = await StartAsync();
        var idle = silo.GetGrain<ICounterGrain>("idle");
        var busy = silo.GetGrain<ICounterGrain>("busy");
        await idle.IncrementAsync();
        await busy.IncrementAsync();

        // Act
        await AdvanceAsync(silo, TimeSpan.FromMinutes(5));
        await busy.IncrementAsync();
        await AdvanceAsync(silo, TimeSpan.FromMinutes(5));

        // Assert: at 10 minutes the idle one is gone, the one used at 5 minutes stays.
        Assert.Single(silo.Probe.Deactivations("idle"));
        Assert.Empty(silo.Probe.Deactivations("busy"));
        Assert.Equal(1, silo.Management.GetActivationCount<CounterGrain>());

        await AdvanceAsync(silo, TimeSpan.FromMinutes(4));
        Assert.Empty(silo.Probe.Deactivations("busy"));
        await AdvanceAsync(silo, TimeSpan.FromMinutes(1));
        Assert.Equal(DeactivationReasonCode.ActivationIdle, Assert.Single(silo.Probe.Deactivations("busy")).Code);
        Assert.Equal(2, await busy.GetValueAsync());
    }

    [Fact]
    public async Task Collect_AlwaysActiveClass_IsNeverCollected()
    {
        // Arrange
        await using var silo = await StartAsync();
        await silo.GetGrain<IAlwaysActiveGrain>("pinned").PingAsync();
        await silo.GetGrain<ICounterGrain>("ordinary").GetValueAsync();

        // Act
        await AdvanceAsync(silo, TimeSpan.FromHours(3));
        var forced = await silo.Management.ForceActivationCollectionAsync(TimeSpan.FromSeconds(1));

        // Assert
        Assert.Equal(0, forced);
        Assert.Empty(silo.Probe.Deactivations("pinned"));
        Assert.Single(silo.Probe.Deactivations("ordinary"));
        Assert.Equal(1, silo.Management.GetActivationCount<AlwaysActiveGrain>());
    }

    [Fact]
    public async Task Collect_ClassWithCollectionAgeLimit_UsesItsOwnAge()
    {
        // Arrange
        await using var silo = await StartAsync();
        await silo.GetGrain<IShortLivedGrain>("short").PingAsync();
        await silo.GetGrain<ICounterGrain>("long").GetValueAsync();

        // Act
        await AdvanceAsync(silo, TimeSpan.FromMinutes(2));

        // Assert
        Assert.Equal(DeactivationReasonCode.ActivationIdle, Assert.Single(silo.Probe.Deactivations("short")).Code);
        Assert.Empty(silo.Probe.Deactivations("long"));
    }

    [Fact]
    public async Task Collect_ActivationInALongTurn_IsNotCollectedAndCountsIdlenessFromItsEnd()
    {
        // Arrange
        await using var silo = await StartAsync();
        var grain = silo.GetGrain<ITurnGrain>("long-call");
        var blocker = new Blocker();
        var call = grain.BlockAsync(blocker);
        await blocker.Entered;

        // Act
        await AdvanceAsync(silo, Age + Quantum);
        var activeDuringTheTurn = silo.Management.GetActivationCount<TurnGrain>();
        blocker.Release();
        await call.WaitAsync(TestSilo.Timeout);
        await AdvanceAsync(silo, Age - Quantum);
        var activeOneQuantumBeforeAge = silo.Management.GetActivationCount<TurnGrain>();
        await AdvanceAsync(silo, Quantum);

        // Assert
        Assert.Equal(1, activeDuringTheTurn);
        Assert.Equal(1, activeOneQuantumBeforeAge);
        Assert.Equal(0, silo.Management.GetActivationCount<TurnGrain>());
    }

    [Fact]
    public async Task ForceActivationCollectionAsync_AgeLimit_CollectsOnlyThoseIdleThatLong()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        await silo.GetGrain<ICounterGrain>("old").GetValueAsync();
        await silo.GetGrain<IAlwaysActiveGrain>("pinned").PingAsync();
        silo.Clock.Advance(TimeSpan.FromMinutes(2));
        await silo.GetGrain<ICounterGrain>("recent").GetValueAsync();

        // Act
        var collected = await silo.Management.ForceActivationCollectionAsync(TimeSpan.FromMinutes(1));

        // Assert
        Assert.Equal(1, collected);
        Assert.Equal(DeactivationReasonCode.ActivationIdle, Assert.Single(silo.Probe.Deactivations("old")).Code);
        Assert.Empty(silo.Probe.Deactivations("recent"));
        Assert.Empty(silo.Probe.Deactivations("pinned"));
        Assert.Equal(1, silo.Management.GetActivationCount<CounterGrain>());
    }

    [Fact]
    public async Task ForceActivationCollectionAsync_ZeroAge_UsesEachTypesCollectionAge()
    {
        // Arrange: a quantum of a day keeps the collector's timer out of the way.
        await using var silo = await TestSilo.StartAsync(services => services.Configure<GrainCollectionOptions>(options =>
        {
            options.CollectionAge = Age;
            options.CollectionQuantum = TimeSpan.FromDays(1);
        }));
        await silo.GetGrain<IShortLivedGrain>("short").PingAsync();
        await silo.GetGrain<ICounterGrain>("long").GetValueAsync();
        silo.Clock.Advance(TimeSpan.FromMinutes(3));

        // Act
        var collected = await silo.Management.ForceActivationCollectionAsync(TimeSpan.Zero);

        // Assert: the short-lived class is past its 2 minutes, the other is 7 minutes short of its 10.
        Assert.Equal(1, collected);
        Assert.Equal(DeactivationReasonCode.ActivationIdle, Assert.Single(silo.Probe.Deactivations("short")).Code);
        Assert.Empty(silo.Probe.Deactivations("long"));
        Assert.Equal(1, silo.Management.GetActivationCount<CounterGrain>());
        Assert.Equal(0, silo.Management.GetActivationCount<ShortLivedGrain>());
    }

    private static Task<TestSilo> StartAsync() =>
        TestSilo.StartAsync(services => services.Configure<GrainCollectionOptions>(options =>
        {
            options.CollectionAge = Age;
            options.CollectionQuantum = Quantum;
        }));

    /// <summary>
    /// Moves the clock one quantum at a time and waits for each collection, as a real clock would leave time for:
    /// a collection still running when the next quantum fires makes the collector skip that quantum.
    /// </summary>
    private static async Task AdvanceAsync(TestSilo silo, TimeSpan by)
    {
        for (var moved = TimeSpan.Zero; moved < by; moved += Quantum)
        {
            silo.Clock.Advance(Quantum);
            await silo.Collector.LastCollection.WaitAsync(TestSilo.Timeout);
        }
    }
}

using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests;

/// <summary>How calls to one activation are scheduled: exclusive turns, [ReadOnly] and [AlwaysInterleave] methods.</summary>
public sealed class GrainCallSchedulingTests
{
    private const int Calls = 1000;
    private const int Iterations = 20;

    [Fact]
    public async Task Call_ThousandConcurrentExclusiveCalls_NeverOverlap()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();

        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var grain = silo.GetGrain<ITurnGrain>($"exclusive-{iteration}");

            // Act: half the calls from the test's thread, half from the thread pool.
            var calls = Enumerable.Range(0, Calls)
                .Select(i => i % 2 == 0 ? grain.ExclusiveAsync() : Task.Run(grain.ExclusiveAsync))
                .ToArray();
            var results = await Task.WhenAll(calls).WaitAsync(TestSilo.Timeout);

            // Assert
            var stats = await grain.GetStatsAsync();
            Assert.Equal(Calls, stats.ExclusiveCalls);
            Assert.Equal(1, stats.MaxExclusiveInside);
            Assert.Equal(0, stats.Violations);
            Assert.Equal(Enumerable.Range(1, Calls), results.Order());
        }

        Assert.Equal(Iterations, silo.Management.GetActivationCount<TurnGrain>());
    }

    [Fact]
    public async Task Call_MixedReadOnlyAndExclusiveCalls_ExclusiveNeverSharesTheActivation()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();

        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var grain = silo.GetGrain<ITurnGrain>($"mixed-{iteration}");

            // Act
            var calls = Enumerable.Range(0, Calls)
                .Select(i => i % 3 == 0 ? Task.Run(grain.ExclusiveAsync) : Task.Run(grain.ReadAsync))
                .ToArray();
            await Task.WhenAll(calls).WaitAsync(TestSilo.Timeout);

            // Assert
            var stats = await grain.GetStatsAsync();
            Assert.Equal(334, stats.ExclusiveCalls);
            Assert.Equal(666, stats.ReadOnlyCalls);
            Assert.Equal(1, stats.MaxExclusiveInside);
            Assert.Equal(0, stats.Violations);
        }
    }

    [Fact]
    public async Task Call_TwoReadOnlyCalls_RunConcurrently()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ITurnGrain>("readers");
        await grain.GetStatsAsync();
        var rendezvous = new Rendezvous(2);

        // Act: each reader waits inside its turn until both have arrived, which only happens if they overlap.
        var first = grain.MeetAsync(rendezvous);
        var second = grain.MeetAsync(rendezvous);
        await Task.WhenAll(first, second).WaitAsync(TestSilo.Timeout);

        // Assert
        var stats = await grain.GetStatsAsync();
        Assert.Equal(2, stats.MaxReadersInside);
        Assert.Equal(0, stats.Violations);
    }

    [Fact]
    public async Task Call_ExclusiveWhileReadOnlyRuns_WaitsAndBlocksLaterReaders()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ITurnGrain>("writer-waits");
        await grain.GetStatsAsync();
        var reader = new Blocker();
        var readerCall = grain.BlockReadAsync(reader);
        await reader.Entered;

        // Act
        var writerCall = grain.ExclusiveAsync();
        var laterReader = new Blocker();
        var laterReaderCall = grain.BlockReadAsync(laterReader);

        // Assert: both queue at once (the gate decides synchronously), the later reader behind the writer.
        Assert.False(writerCall.IsCompleted);
        Assert.False(laterReader.HasEntered);

        reader.Release();
        await readerCall.WaitAsync(TestSilo.Timeout);
        Assert.Equal(1, await writerCall.WaitAsync(TestSilo.Timeout));
        await laterReader.Entered;
        laterReader.Release();
        await laterReaderCall.WaitAsync(TestSilo.Timeout);

        var stats = await grain.GetStatsAsync();
        Assert.Equal(0, stats.Violations);
        Assert.Equal(1, stats.MaxReadersInside);
    }

    [Fact]
    public async Task Call_ReadOnlyWhileExclusiveRuns_Waits()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ITurnGrain>("reader-waits");
        var writer = new Blocker();
        var writerCall = grain.BlockAsync(writer);
        await writer.Entered;

        // Act
        var readerCall = grain.ReadAsync();

        // Assert
        Assert.False(readerCall.IsCompleted);
        writer.Release();
        await writerCall.WaitAsync(TestSilo.Timeout);
        Assert.Equal(1, await readerCall.WaitAsync(TestSilo.Timeout));
        Assert.Equal(0, (await grain.GetStatsAsync()).Violations);
    }

    [Fact]
    public async Task Call_AlwaysInterleaveValueTaskMethod_RunsWhileExclusiveTurnIsBlocked()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ITurnGrain>("interleave");
        await grain.ExclusiveAsync();
        var blocker = new Blocker();
        var blocked = grain.BlockAsync(blocker);
        await blocker.Entered;

        // Act
        var peeked = await grain.PeekAsync().AsTask().WaitAsync(TestSilo.Timeout);

        // Assert
        Assert.Equal(1, peeked);
        Assert.False(blocked.IsCompleted);
        blocker.Release();
        await blocked.WaitAsync(TestSilo.Timeout);
    }

    [Fact]
    public async Task Call_AlwaysInterleaveTaskMethod_RunsWhileExclusiveTurnIsBlocked()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ITurnGrain>("interleave-task");
        await grain.ExclusiveAsync();
        var blocker = new Blocker();
        var blocked = grain.BlockAsync(blocker);
        await blocker.Entered;

        // Act
        var peeked = await grain.PeekTaskAsync().WaitAsync(TestSilo.Timeout);

        // Assert
        Assert.Equal(1, peeked);
        Assert.False(blocked.IsCompleted);
        blocker.Release();
        await blocked.WaitAsync(TestSilo.Timeout);
    }

    [Fact]
    public async Task Call_AlwaysInterleaveOnInactiveGrain_ActivatesItFirst()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.GetGrain<ITurnGrain>("interleave-cold");

        // Act
        var peeked = await grain.PeekAsync();
        var peekedTask = await silo.GetGrain<ITurnGrain>("interleave-cold-task").PeekTaskAsync();

        // Assert
        Assert.Equal(0, peeked);
        Assert.Equal(0, peekedTask);
        Assert.Equal(2, silo.Management.GetActivationCount<TurnGrain>());
    }
}

using PredictionCache.Silo.Runtime;

namespace PredictionCache.Silo.Tests;

/// <summary>The activation's async reader-writer gate on its own: every decision is made synchronously in EnterAsync/Exit.</summary>
public sealed class TurnGateTests
{
    [Fact]
    public void EnterAsync_Uncontended_CompletesSynchronously()
    {
        // Arrange
        var gate = new TurnGate();

        // Act
        var entered = gate.EnterAsync(exclusive: true);

        // Assert
        Assert.True(entered.IsCompletedSuccessfully);
        Assert.False(gate.IsIdle);
        gate.Exit(exclusive: true);
        Assert.True(gate.IsIdle);
    }

    [Fact]
    public void EnterAsync_ExclusiveWhileExclusiveRuns_WaitsForExit()
    {
        // Arrange
        var gate = new TurnGate();
        Assert.True(gate.EnterAsync(exclusive: true).IsCompleted);

        // Act
        var second = gate.EnterAsync(exclusive: true);
        var completedBeforeExit = second.IsCompleted;
        gate.Exit(exclusive: true);

        // Assert
        Assert.False(completedBeforeExit);
        Assert.True(second.IsCompletedSuccessfully);
        Assert.False(gate.IsIdle);
    }

    [Fact]
    public void EnterAsync_Readers_RunTogetherAndAWriterWaitsForTheLast()
    {
        // Arrange
        var gate = new TurnGate();

        // Act
        var first = gate.EnterAsync(exclusive: false);
        var second = gate.EnterAsync(exclusive: false);
        var writer = gate.EnterAsync(exclusive: true);

        // Assert
        Assert.True(first.IsCompleted);
        Assert.True(second.IsCompleted);
        Assert.False(writer.IsCompleted);
        gate.Exit(exclusive: false);
        Assert.False(writer.IsCompleted);
        gate.Exit(exclusive: false);
        Assert.True(writer.IsCompleted);
    }

    [Fact]
    public void EnterAsync_ReaderBehindAWaitingWriter_WaitsForTheWriter()
    {
        // Arrange
        var gate = new TurnGate();
        Assert.True(gate.EnterAsync(exclusive: false).IsCompleted);
        var writer = gate.EnterAsync(exclusive: true);

        // Act
        var lateReader = gate.EnterAsync(exclusive: false);

        // Assert: no writer starvation.
        Assert.False(lateReader.IsCompleted);
        gate.Exit(exclusive: false);
        Assert.True(writer.IsCompleted);
        Assert.False(lateReader.IsCompleted);
        gate.Exit(exclusive: true);
        Assert.True(lateReader.IsCompleted);
    }

    [Fact]
    public void Exit_Writer_ReleasesAllConsecutiveReadersUpToTheNextWriter()
    {
        // Arrange
        var gate = new TurnGate();
        Assert.True(gate.EnterAsync(exclusive: true).IsCompleted);
        var readers = Enumerable.Range(0, 3).Select(_ => gate.EnterAsync(exclusive: false)).ToArray();
        var writer = gate.EnterAsync(exclusive: true);
        var lastReader = gate.EnterAsync(exclusive: false);

        // Act
        gate.Exit(exclusive: true);

        // Assert
        Assert.All(readers, r => Assert.True(r.IsCompleted));
        Assert.False(writer.IsCompleted);
        Assert.False(lastReader.IsCompleted);
    }

    [Fact]
    public void EnterAsync_Priority_JumpsTheQueue()
    {
        // Arrange
        var gate = new TurnGate();
        Assert.True(gate.EnterAsync(exclusive: true).IsCompleted);
        var queued = gate.EnterAsync(exclusive: true);

        // Act
        var priority = gate.EnterAsync(exclusive: true, priority: true);
        gate.Exit(exclusive: true);

        // Assert
        Assert.True(priority.IsCompleted);
        Assert.False(queued.IsCompleted);
        gate.Exit(exclusive: true);
        Assert.True(queued.IsCompleted);
    }

    [Fact]
    public void EnterAsync_PriorityOnAFreeGate_EntersAtOnce()
    {
        // Arrange
        var gate = new TurnGate();

        // Act
        var priority = gate.EnterAsync(exclusive: true, priority: true);

        // Assert
        Assert.True(priority.IsCompleted);
        Assert.False(gate.EnterAsync(exclusive: false).IsCompleted);
    }

    [Fact]
    public void IsIdle_WithAWaiter_IsFalse()
    {
        // Arrange
        var gate = new TurnGate();
        Assert.True(gate.EnterAsync(exclusive: false).IsCompleted);
        var writer = gate.EnterAsync(exclusive: true);

        // Act
        gate.Exit(exclusive: false);
        var idleWhileWriterRuns = gate.IsIdle;
        gate.Exit(exclusive: true);

        // Assert
        Assert.True(writer.IsCompleted);
        Assert.False(idleWhileWriterRuns);
        Assert.True(gate.IsIdle);
    }

    [Fact]
    public async Task EnterAsync_ManyThreads_NeverAdmitsAWriterWithAnyoneElse()
    {
        // Arrange
        var gate = new TurnGate();
        var writers = 0;
        var readers = 0;
        var violations = 0;

        async Task TurnAsync(bool exclusive)
        {
            await gate.EnterAsync(exclusive);
            var w = exclusive ? Interlocked.Increment(ref writers) : Volatile.Read(ref writers);
            var r = exclusive ? Volatile.Read(ref readers) : Interlocked.Increment(ref readers);
            if ((exclusive && (w != 1 || r != 0)) || (!exclusive && w != 0))
            {
                Interlocked.Increment(ref violations);
            }

            await Task.Yield();
            if (exclusive)
            {
                Interlocked.Decrement(ref writers);
            }
            else
            {
                Interlocked.Decrement(ref readers);
            }

            gate.Exit(exclusive);
        }

        // Act
        var turns = Enumerable.Range(0, 10_000).Select(i => Task.Run(() => TurnAsync(exclusive: i % 4 == 0))).ToArray();
        await Task.WhenAll(turns).WaitAsync(TimeSpan.FromSeconds(30));

        // Assert
        Assert.Equal(0, violations);
        Assert.True(gate.IsIdle);
    }
}

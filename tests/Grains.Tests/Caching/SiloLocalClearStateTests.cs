using PredictionCache.Grains.Caching;

namespace PredictionCache.Grains.Tests.Caching;

public sealed class SiloLocalClearStateTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void New_IsNotRunningAtGenerationZeroAndNothingPredatesAClear()
    {
        // Arrange
        var state = new SiloLocalClearState();

        // Act + Assert
        Assert.Equal((0L, false), (state.Generation, state.Running));
        Assert.False(state.PredatesLastClear(DateTimeOffset.MinValue));
    }

    [Fact]
    public void BeginAndEnd_MoveTheGenerationAtBothEndsAndRunInBetween()
    {
        // Arrange
        var state = new SiloLocalClearState();

        // Act
        state.Begin(Start);
        var during = (state.Generation, state.Running);
        state.End();

        // Assert: an inference that started before, or during, the clear sees another generation after it.
        Assert.Equal((1L, true), during);
        Assert.Equal((2L, false), (state.Generation, state.Running));
    }

    [Fact]
    public void PredatesLastClear_EntryCreatedBeforeTheClearStarted_IsTrueAtItNot()
    {
        // Arrange
        var state = new SiloLocalClearState();

        // Act
        state.Begin(Start);
        state.End();

        // Assert
        Assert.True(state.PredatesLastClear(Start - TimeSpan.FromTicks(1)));
        Assert.False(state.PredatesLastClear(Start));
    }

    [Fact]
    public void Begin_AnOlderClearAfterANewerOne_KeepsTheNewerStart()
    {
        // Arrange: two clears overlap, the later-started one begins here first.
        var state = new SiloLocalClearState();
        state.Begin(Start + TimeSpan.FromSeconds(10));

        // Act
        state.Begin(Start);
        var bothRunning = state.Running;
        state.End();
        var oneRunning = state.Running;
        state.End();

        // Assert
        Assert.True(state.PredatesLastClear(Start + TimeSpan.FromSeconds(9)));
        Assert.Equal((true, true, false), (bothRunning, oneRunning, state.Running));
        Assert.Equal(4, state.Generation);
    }

    [Fact]
    public async Task BeginAndEnd_Concurrent_EachMovesTheGenerationOnceAndNoneStaysRunning()
    {
        // Arrange
        var state = new SiloLocalClearState();

        // Act
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            for (var n = 0; n < 1000; n++)
            {
                state.Begin(Start + TimeSpan.FromSeconds((i * 1000) + n));
                state.End();
            }
        })));

        // Assert
        Assert.Equal(16_000, state.Generation);
        Assert.False(state.Running);
        Assert.True(state.PredatesLastClear(Start + TimeSpan.FromSeconds(7999) - TimeSpan.FromTicks(1)));
        Assert.False(state.PredatesLastClear(Start + TimeSpan.FromSeconds(7999)));
    }
}

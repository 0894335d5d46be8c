using PredictionCache.Grains.Caching;

namespace PredictionCache.Grains.Tests.Caching;

public sealed class SiloLocalClearStateTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void New_IsNotRunningAndNothingPredatesAClear()
    {
        // Arrange
        var state = new SiloLocalClearState();

        // Act + Assert
        Assert.Equal(0L, state.Sequence);
        Assert.False(state.IsRunning(""));
        Assert.False(state.IsRunning("acme"));
        Assert.False(state.ChangedSince(0, "acme"));
        Assert.False(state.PredatesLastClear(DateTimeOffset.MinValue, "acme"));
    }

    [Fact]
    public void BeginAndEnd_ChangeAtBothEndsAndRunInBetween()
    {
        // Arrange
        var state = new SiloLocalClearState();
        var before = state.Sequence;

        // Act
        state.Begin(Start);
        var during = state.Sequence;
        var runningDuring = state.IsRunning("");
        state.End();

        // Assert: an inference that started before, or during, the clear sees a change after it.
        Assert.True(runningDuring);
        Assert.False(state.IsRunning(""));
        Assert.True(state.ChangedSince(before, ""));
        Assert.True(state.ChangedSince(during, ""));
        Assert.False(state.ChangedSince(state.Sequence, ""));
    }

    [Fact]
    public void ClearOfAll_CoversEveryTenant()
    {
        // Arrange
        var state = new SiloLocalClearState();
        var before = state.Sequence;

        // Act
        state.Begin(Start);
        var running = state.IsRunning("acme");
        state.End();

        // Assert
        Assert.True(running);
        Assert.True(state.ChangedSince(before, "acme"));
        Assert.True(state.PredatesLastClear(Start - TimeSpan.FromTicks(1), "acme"));
    }

    [Fact]
    public void ClearOfATenant_CoversThatTenantOnly()
    {
        // Arrange
        var state = new SiloLocalClearState();
        var before = state.Sequence;

        // Act
        state.Begin(Start, "acme");
        var running = (Acme: state.IsRunning("acme"), Globex: state.IsRunning("globex"), None: state.IsRunning(""));
        state.End("acme");

        // Assert: other tenants and entries of no tenant neither wait for it nor lose what they started.
        Assert.Equal((true, false, false), running);
        Assert.True(state.ChangedSince(before, "acme"));
        Assert.False(state.ChangedSince(before, "globex"));
        Assert.False(state.ChangedSince(before, ""));
        Assert.True(state.PredatesLastClear(Start - TimeSpan.FromTicks(1), "acme"));
        Assert.False(state.PredatesLastClear(Start - TimeSpan.FromTicks(1), "globex"));
        Assert.False(state.PredatesLastClear(Start - TimeSpan.FromTicks(1), ""));
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
        Assert.True(state.PredatesLastClear(Start - TimeSpan.FromTicks(1), ""));
        Assert.False(state.PredatesLastClear(Start, ""));
    }

    [Fact]
    public void Begin_AnOlderClearAfterANewerOne_KeepsTheNewerStart()
    {
        // Arrange: two clears overlap, the later-started one begins here first.
        var state = new SiloLocalClearState();
        state.Begin(Start + TimeSpan.FromSeconds(10));

        // Act
        state.Begin(Start);
        var bothRunning = state.IsRunning("");
        state.End();
        var oneRunning = state.IsRunning("");
        state.End();

        // Assert
        Assert.True(state.PredatesLastClear(Start + TimeSpan.FromSeconds(9), ""));
        Assert.Equal((true, true, false), (bothRunning, oneRunning, state.IsRunning("")));
        Assert.Equal(4, state.Sequence);
    }

    [Fact]
    public async Task BeginAndEnd_ConcurrentOverTenants_EachMovesTheSequenceTwiceAndNoneStaysRunning()
    {
        // Arrange
        var state = new SiloLocalClearState();
        string?[] scopes = [null, "acme", "globex", "initech"];

        // Act
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            for (var n = 0; n < 1000; n++)
            {
                var scope = scopes[(i + n) % scopes.Length];
                state.Begin(Start + TimeSpan.FromSeconds((i * 1000) + n), scope);
                state.End(scope);
            }
        })));

        // Assert
        Assert.Equal(16_000, state.Sequence);
        Assert.All(scopes, scope => Assert.False(state.IsRunning(scope ?? "")));
        Assert.False(state.ChangedSince(state.Sequence, "acme"));

        // Each scope keeps the latest start of its own clears, and a tenant's entries also the latest of the whole cache's.
        var latest = Enumerable.Range(0, 8).SelectMany(i => Enumerable.Range(0, 1000).Select(n => (Scope: scopes[(i + n) % scopes.Length], Second: (i * 1000) + n)))
            .GroupBy(c => c.Scope ?? "").ToDictionary(g => g.Key, g => g.Max(c => c.Second));
        foreach (var tenant in new[] { "acme", "globex", "initech", "" })
        {
            var last = Start + TimeSpan.FromSeconds(Math.Max(latest[""], latest[tenant]));
            Assert.True(state.PredatesLastClear(last - TimeSpan.FromTicks(1), tenant), tenant);
            Assert.False(state.PredatesLastClear(last, tenant), tenant);
        }
    }
}

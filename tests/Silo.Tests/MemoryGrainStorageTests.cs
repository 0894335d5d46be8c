using PredictionCache.Silo.Storage;
using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests;

/// <summary>ETag optimistic concurrency and key isolation of the in-memory provider.</summary>
public sealed class MemoryGrainStorageTests
{
    private static readonly GrainId Counter = new(new GrainType("counter"), "k");
    private static readonly GrainId Ledger = new(new GrainType("ledger"), "k");

    [Fact]
    public async Task Read_NoRecord_LeavesRecordExistsFalseAndNoETag()
    {
        // Arrange
        var storage = new MemoryGrainStorage();
        var state = new TestState { ETag = "stale", RecordExists = true };

        // Act
        await storage.ReadStateAsync("s", Counter, state);

        // Assert
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
    }

    [Fact]
    public async Task Write_ThenRead_RoundTripsStateAndETag()
    {
        // Arrange
        var storage = new MemoryGrainStorage();
        var writer = new TestState { State = 42 };

        // Act
        await storage.WriteStateAsync("s", Counter, writer);
        var reader = new TestState();
        await storage.ReadStateAsync("s", Counter, reader);

        // Assert
        Assert.NotNull(writer.ETag);
        Assert.True(writer.RecordExists);
        Assert.Equal(42, reader.State);
        Assert.Equal(writer.ETag, reader.ETag);
        Assert.True(reader.RecordExists);
    }

    [Fact]
    public async Task Write_CurrentETag_SucceedsAndChangesTheETag()
    {
        // Arrange
        var storage = new MemoryGrainStorage();
        var state = new TestState { State = 1 };
        await storage.WriteStateAsync("s", Counter, state);
        var first = state.ETag;

        // Act
        state.State = 2;
        await storage.WriteStateAsync("s", Counter, state);

        // Assert
        Assert.NotEqual(first, state.ETag);
        Assert.Equal(2, await ReadAsync(storage, "s", Counter));
    }

    [Fact]
    public async Task Write_StaleETag_ThrowsAndDoesNotOverwrite()
    {
        // Arrange
        var storage = new MemoryGrainStorage();
        var first = new TestState { State = 1 };
        await storage.WriteStateAsync("s", Counter, first);
        var second = new TestState();
        await storage.ReadStateAsync("s", Counter, second);
        second.State = 2;
        await storage.WriteStateAsync("s", Counter, second);

        // Act
        first.State = 99;
        var exception = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", Counter, first));

        // Assert
        Assert.Equal(second.ETag, exception.StoredEtag);
        Assert.NotEqual(second.ETag, exception.CurrentEtag);
        Assert.Equal(2, await ReadAsync(storage, "s", Counter));
    }

    [Fact]
    public async Task Write_NullETagOnExistingRecord_ThrowsAndDoesNotOverwrite()
    {
        // Arrange
        var storage = new MemoryGrainStorage();
        await storage.WriteStateAsync("s", Counter, new TestState { State = 1 });

        // Act
        var exception = await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync("s", Counter, new TestState { State = 2 }));

        // Assert
        Assert.Null(exception.CurrentEtag);
        Assert.NotNull(exception.StoredEtag);
        Assert.Equal(1, await ReadAsync(storage, "s", Counter));
    }

    [Fact]
    public async Task Write_ETagButRecordGone_Throws()
    {
        // Arrange
        var storage = new MemoryGrainStorage();
        var kept = new TestState { State = 1 };
        await storage.WriteStateAsync("s", Counter, kept);
        var clearer = new TestState();
        await storage.ReadStateAsync("s", Counter, clearer);
        await storage.ClearStateAsync("s", Counter, clearer);

        // Act and assert
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", Counter, kept));
        Assert.Equal(0, storage.Count);
    }

    [Fact]
    public async Task Clear_CurrentETag_RemovesTheRecord()
    {
        // Arrange
        var storage = new MemoryGrainStorage();
        var state = new TestState { State = 1 };
        await storage.WriteStateAsync("s", Counter, state);

        // Act
        await storage.ClearStateAsync("s", Counter, state);

        // Assert
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.Equal(0, storage.Count);
        await storage.WriteStateAsync("s", Counter, state);
        Assert.Equal(1, storage.Count);
    }

    [Fact]
    public async Task Clear_StaleETag_ThrowsAndKeepsTheRecord()
    {
        // Arrange
        var storage = new MemoryGrainStorage();
        var stale = new TestState { State = 1 };
        await storage.WriteStateAsync("s", Counter, stale);
        var current = new TestState();
        await storage.ReadStateAsync("s", Counter, current);
        current.State = 2;
        await storage.WriteStateAsync("s", Counter, current);

        // Act
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("s", Counter, stale));

        // Assert
        Assert.Equal(2, await ReadAsync(storage, "s", Counter));
    }

    [Fact]
    public async Task Clear_NullETagOnExistingRecord_Throws()
    {
        // Arrange
        var storage = new MemoryGrainStorage();
        await storage.WriteStateAsync("s", Counter, new TestState { State = 1 });

        // Act and assert
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("s", Counter, new TestState()));
        Assert.Equal(1, storage.Count);
    }

    [Fact]
    public async Task Clear_ETagButNoRecord_Throws()
    {
        // Arrange
        var storage = new MemoryGrainStorage();

        // Act and assert
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("s", Counter, new TestState { ETag = "7" }));
    }

    [Fact]
    public async Task Write_SameKeyDifferentGrainTypesOrStateNames_DoNotCollide()
    {
        // Arrange
        var storage = new MemoryGrainStorage();

        // Act
        await storage.WriteStateAsync("s", Counter, new TestState { State = 1 });
        await storage.WriteStateAsync("s", Ledger, new TestState { State = 2 });
        await storage.WriteStateAsync("other", Counter, new TestState { State = 3 });
        await storage.WriteStateAsync("s", Counter with { Key = "k2" }, new TestState { State = 4 });

        // Assert
        Assert.Equal(4, storage.Count);
        Assert.Equal(1, await ReadAsync(storage, "s", Counter));
        Assert.Equal(2, await ReadAsync(storage, "s", Ledger));
        Assert.Equal(3, await ReadAsync(storage, "other", Counter));
        Assert.Equal(4, await ReadAsync(storage, "s", Counter with { Key = "k2" }));
    }

    [Fact]
    public async Task Grains_TwoTypesSameKeySameStateName_KeepSeparateRecords()
    {
        // Arrange
        await using var silo = await TestSilo.StartAsync();
        var counter = silo.GetGrain<ICounterGrain>("same-key");
        var ledger = silo.GetGrain<ILedgerGrain>("same-key");

        // Act
        await counter.IncrementAsync();
        await ledger.IncrementAsync();
        await ledger.IncrementAsync();
        await counter.DeactivateOnIdleAsync("reload");
        await ledger.DeactivateOnIdleAsync("reload");

        // Assert
        Assert.Equal(1, await counter.GetValueAsync());
        Assert.Equal(2, await ledger.GetValueAsync());
    }

    [Fact]
    public async Task Grains_TwoActivationsRaceOnOneRecord_TheStaleWriterFails()
    {
        // Arrange: the state object an activation would hold, read twice before either writes.
        var storage = new MemoryGrainStorage();
        var a = new PersistentState<CounterState>("counter", Counter, storage);
        var b = new PersistentState<CounterState>("counter", Counter, storage);
        await a.ReadStateAsync();
        await b.ReadStateAsync();

        // Act
        a.State = new CounterState { Value = 1 };
        await a.WriteStateAsync();
        b.State = new CounterState { Value = 2 };
        await Assert.ThrowsAsync<InconsistentStateException>(() => b.WriteStateAsync());

        // Assert
        await b.ReadStateAsync();
        Assert.Equal(1, b.State.Value);
        Assert.Equal(a.ETag, ((IPersistentState<CounterState>)b).Etag);
    }

    private static async Task<int> ReadAsync(MemoryGrainStorage storage, string stateName, GrainId grainId)
    {
        var state = new TestState();
        await storage.ReadStateAsync(stateName, grainId, state);
        Assert.True(state.RecordExists);
        return state.State;
    }

    private sealed class TestState : IGrainState<int>
    {
        public int State { get; set; }

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }
}

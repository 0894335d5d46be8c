using Orleans.Storage;
using PredictionCache.Silo.Storage;
using PredictionCache.TestKit;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>
/// What every <see cref="IGrainStorage"/> promises, run against each provider by a derived class: reads and writes
/// round-trip every column type, a stale ETag never overwrites, and records of different grain types, state names
/// and keys stay apart. Each test gets a fresh database from the provider.
/// </summary>
public abstract class GrainStorageContractTests : IAsyncLifetime
{
    private const string StateName = "entry";
    private const string OtherStateName = "other";

    private const string EntryGrain = "entry-grain";
    private const string LedgerGrain = "ledger-grain";
    private static readonly GrainId Entry = GrainId.Create(EntryGrain, "k");

    private readonly TestClock _clock = new();
    private StorageBackend _backend = null!;
    private IGrainStorage _storage = null!;

    public async Task InitializeAsync()
    {
        _backend = CreateBackend();
        _storage = await _backend.CreateStorageAsync(
            _clock,
            [
                new StateTableRegistration(EntryGrain, StateName, typeof(TestEntry), new TestEntryTable("entries")),
                new StateTableRegistration(LedgerGrain, StateName, typeof(TestEntry), new TestEntryTable("ledger_entries")),
                new StateTableRegistration(EntryGrain, OtherStateName, typeof(TestEntry), new TestEntryTable("other_entries")),
            ]);
    }

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task Read_NoRecord_LeavesRecordExistsFalseAndNoETag()
    {
        // Arrange
        var state = new GrainState<TestEntry>(Sample("before")) { ETag = "7", RecordExists = true };

        // Act
        await _storage.ReadStateAsync(StateName, Entry, state);

        // Assert
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
    }

    [Fact]
    public async Task Write_ThenRead_RoundTripsEveryColumnTypeAndTheETag()
    {
        // Arrange: ticks below a millisecond, a non-UTC offset, JSON with spacing and key order a jsonb column would lose.
        var created = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var expires = new DateTimeOffset(2026, 3, 5, 0, 0, 0, TimeSpan.Zero).AddTicks(9_876_543);
        var written = new TestEntry
        {
            Name = "héllo ✓ 'quoted' \"double\"",
            Payload = """{"b": [1, 2.5, "x"],  "a": null}""",
            CreatedAt = created,
            JobId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
            ExpiresAt = expires,
            Tenant = "tenant ✓ 'a'",
        };
        var writer = new GrainState<TestEntry>(written);

        // Act
        await _storage.WriteStateAsync(StateName, Entry, writer);
        var reader = new GrainState<TestEntry>();
        await _storage.ReadStateAsync(StateName, Entry, reader);

        // Assert
        Assert.True(writer.RecordExists);
        Assert.NotNull(writer.ETag);
        Assert.True(reader.RecordExists);
        Assert.Equal(writer.ETag, reader.ETag);
        Assert.Equal(written with { CreatedAt = Truncate(created), ExpiresAt = Truncate(expires) }, reader.State);
    }

    [Fact]
    public async Task Write_NullColumns_ReadBackAsNull()
    {
        // Arrange
        var written = Sample("nulls") with { Payload = null, ExpiresAt = null };

        // Act
        await _storage.WriteStateAsync(StateName, Entry, new GrainState<TestEntry>(written));

        // Assert
        Assert.Equal(written, await ReadAsync(StateName, Entry));
    }

    [Fact]
    public async Task Write_CurrentETag_SucceedsAndChangesTheETag()
    {
        // Arrange
        var state = new GrainState<TestEntry>(Sample("one"));
        await _storage.WriteStateAsync(StateName, Entry, state);
        var first = state.ETag;

        // Act
        state.State = Sample("two");
        await _storage.WriteStateAsync(StateName, Entry, state);

        // Assert
        Assert.NotNull(state.ETag);
        Assert.NotEqual(first, state.ETag);
        Assert.Equal(Sample("two"), await ReadAsync(StateName, Entry));
    }

    [Fact]
    public async Task Write_StaleETag_ThrowsAndDoesNotOverwrite()
    {
        // Arrange: two readers of one record; the second writes first.
        var stale = new GrainState<TestEntry>(Sample("one"));
        await _storage.WriteStateAsync(StateName, Entry, stale);
        var current = new GrainState<TestEntry>();
        await _storage.ReadStateAsync(StateName, Entry, current);
        current.State = Sample("two");
        await _storage.WriteStateAsync(StateName, Entry, current);
        var staleETag = stale.ETag;

        // Act
        stale.State = Sample("lost");
        var exception = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(StateName, Entry, stale));

        // Assert
        Assert.Equal(current.ETag, exception.StoredEtag);
        Assert.Equal(staleETag, exception.CurrentEtag);
        Assert.Equal(staleETag, stale.ETag);
        Assert.Equal(Sample("two"), await ReadAsync(StateName, Entry));
    }

    [Fact]
    public async Task Write_NullETagOverExistingRecord_ThrowsAndDoesNotOverwrite()
    {
        // Arrange
        var existing = new GrainState<TestEntry>(Sample("one"));
        await _storage.WriteStateAsync(StateName, Entry, existing);

        // Act
        var exception = await Assert.ThrowsAsync<InconsistentStateException>(
            () => _storage.WriteStateAsync(StateName, Entry, new GrainState<TestEntry>(Sample("two"))));

        // Assert
        Assert.Null(exception.CurrentEtag);
        Assert.Equal(existing.ETag, exception.StoredEtag);
        Assert.Equal(Sample("one"), await ReadAsync(StateName, Entry));
    }

    [Fact]
    public async Task Write_ETagButRecordGone_ThrowsAndWritesNothing()
    {
        // Arrange
        var kept = new GrainState<TestEntry>(Sample("one"));
        await _storage.WriteStateAsync(StateName, Entry, kept);
        var clearer = new GrainState<TestEntry>();
        await _storage.ReadStateAsync(StateName, Entry, clearer);
        await _storage.ClearStateAsync(StateName, Entry, clearer);

        // Act
        var exception = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(StateName, Entry, kept));

        // Assert
        Assert.Null(exception.StoredEtag);
        Assert.Equal(kept.ETag, exception.CurrentEtag);
        Assert.False(await ExistsAsync(StateName, Entry));
    }

    [Fact]
    public async Task Write_UnparsableETag_Throws()
    {
        // Arrange
        await _storage.WriteStateAsync(StateName, Entry, new GrainState<TestEntry>(Sample("one")));

        // Act and assert
        await Assert.ThrowsAsync<InconsistentStateException>(
            () => _storage.WriteStateAsync(StateName, Entry, new GrainState<TestEntry>(Sample("two")) { ETag = "not-a-version" }));
        Assert.Equal(Sample("one"), await ReadAsync(StateName, Entry));
    }

    [Fact]
    public async Task Clear_CurrentETag_RemovesTheRecord()
    {
        // Arrange
        var state = new GrainState<TestEntry>(Sample("one"));
        await _storage.WriteStateAsync(StateName, Entry, state);

        // Act
        await _storage.ClearStateAsync(StateName, Entry, state);

        // Assert
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.False(await ExistsAsync(StateName, Entry));
    }

    [Fact]
    public async Task Clear_StaleETag_ThrowsAndKeepsTheRecord()
    {
        // Arrange
        var stale = new GrainState<TestEntry>(Sample("one"));
        await _storage.WriteStateAsync(StateName, Entry, stale);
        var current = new GrainState<TestEntry>();
        await _storage.ReadStateAsync(StateName, Entry, current);
        current.State = Sample("two");
        await _storage.WriteStateAsync(StateName, Entry, current);

        // Act
        var exception = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync(StateName, Entry, stale));

        // Assert
        Assert.Equal(current.ETag, exception.StoredEtag);
        Assert.Equal(stale.ETag, exception.CurrentEtag);
        Assert.Equal(Sample("two"), await ReadAsync(StateName, Entry));
    }

    [Fact]
    public async Task Clear_NullETagOnExistingRecord_ThrowsAndKeepsTheRecord()
    {
        // Arrange
        var existing = new GrainState<TestEntry>(Sample("one"));
        await _storage.WriteStateAsync(StateName, Entry, existing);

        // Act
        var exception = await Assert.ThrowsAsync<InconsistentStateException>(
            () => _storage.ClearStateAsync(StateName, Entry, new GrainState<TestEntry>()));

        // Assert
        Assert.Equal(existing.ETag, exception.StoredEtag);
        Assert.Equal(Sample("one"), await ReadAsync(StateName, Entry));
    }

    [Fact]
    public async Task Clear_ETagButNoRecord_Throws()
    {
        // Act
        var exception = await Assert.ThrowsAsync<InconsistentStateException>(
            () => _storage.ClearStateAsync(StateName, Entry, new GrainState<TestEntry> { ETag = "7" }));

        // Assert
        Assert.Null(exception.StoredEtag);
        Assert.Equal("7", exception.CurrentEtag);
    }

    [Fact]
    public async Task Clear_NullETagAndNoRecord_Succeeds()
    {
        // Arrange
        var state = new GrainState<TestEntry>(Sample("never written"));

        // Act
        await _storage.ClearStateAsync(StateName, Entry, state);

        // Assert
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
    }

    [Fact]
    public async Task Clear_ThenWriteAgain_GivesANewETagAndTheOldETagCannotWrite()
    {
        // Arrange
        var state = new GrainState<TestEntry>(Sample("one"));
        await _storage.WriteStateAsync(StateName, Entry, state);
        var old = new GrainState<TestEntry>(Sample("old")) { ETag = state.ETag, RecordExists = true };
        await _storage.ClearStateAsync(StateName, Entry, state);

        // Act
        state.State = Sample("two");
        await _storage.WriteStateAsync(StateName, Entry, state);

        // Assert
        Assert.NotNull(state.ETag);
        Assert.NotEqual(old.ETag, state.ETag);
        var exception = await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(StateName, Entry, old));
        Assert.Equal(state.ETag, exception.StoredEtag);
        Assert.Equal(Sample("two"), await ReadAsync(StateName, Entry));
    }

    [Fact]
    public async Task Write_SameKeyDifferentGrainTypesStateNamesOrKeys_DoNotCollide()
    {
        // Arrange
        var ledger = GrainId.Create(LedgerGrain, "k");
        var otherKey = GrainId.Create(EntryGrain, "k2");

        // Act
        await _storage.WriteStateAsync(StateName, Entry, new GrainState<TestEntry>(Sample("entry")));
        await _storage.WriteStateAsync(StateName, ledger, new GrainState<TestEntry>(Sample("ledger")));
        await _storage.WriteStateAsync(OtherStateName, Entry, new GrainState<TestEntry>(Sample("other state")));
        await _storage.WriteStateAsync(StateName, otherKey, new GrainState<TestEntry>(Sample("other key")));

        // Assert
        Assert.Equal(Sample("entry"), await ReadAsync(StateName, Entry));
        Assert.Equal(Sample("ledger"), await ReadAsync(StateName, ledger));
        Assert.Equal(Sample("other state"), await ReadAsync(OtherStateName, Entry));
        Assert.Equal(Sample("other key"), await ReadAsync(StateName, otherKey));
    }

    [Fact]
    public async Task Clear_OneGrainType_LeavesTheOtherWithTheSameKey()
    {
        // Arrange
        var ledger = GrainId.Create(LedgerGrain, "k");
        var entry = new GrainState<TestEntry>(Sample("entry"));
        await _storage.WriteStateAsync(StateName, Entry, entry);
        await _storage.WriteStateAsync(StateName, ledger, new GrainState<TestEntry>(Sample("ledger")));

        // Act
        await _storage.ClearStateAsync(StateName, Entry, entry);

        // Assert
        Assert.False(await ExistsAsync(StateName, Entry));
        Assert.Equal(Sample("ledger"), await ReadAsync(StateName, ledger));
    }

    [Fact]
    public async Task Write_ManyConcurrentWritersWithTheSameETag_ExactlyOneWins()
    {
        // Arrange
        const int writers = 32;
        var initial = new GrainState<TestEntry>(Sample("initial"));
        await _storage.WriteStateAsync(StateName, Entry, initial);
        var states = Enumerable.Range(0, writers)
            .Select(i => new GrainState<TestEntry>(Sample($"writer {i}")) { ETag = initial.ETag, RecordExists = true })
            .ToArray();

        // Act
        var outcomes = await Task.WhenAll(states.Select(state => Task.Run(async () =>
        {
            try
            {
                await _storage.WriteStateAsync(StateName, Entry, state);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        })));

        // Assert
        Assert.Equal(1, outcomes.Count(won => won));
        var winner = states[Array.IndexOf(outcomes, true)];
        var stored = new GrainState<TestEntry>();
        await _storage.ReadStateAsync(StateName, Entry, stored);
        Assert.Equal(winner.State, stored.State);
        Assert.Equal(winner.ETag, stored.ETag);
        Assert.All(states.Where((_, i) => !outcomes[i]), loser => Assert.Equal(initial.ETag, loser.ETag));
    }

    private protected abstract StorageBackend CreateBackend();

    /// <summary>A state whose timestamps every provider keeps exactly (whole milliseconds).</summary>
    private static TestEntry Sample(string name) => new()
    {
        Name = name,
        Payload = $$"""{"name": "{{name}}"}""",
        CreatedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero),
        JobId = Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"),
        ExpiresAt = new DateTimeOffset(2026, 1, 3, 3, 4, 5, 678, TimeSpan.Zero),
    };

    private DateTimeOffset Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % _backend.TimestampPrecision.Ticks), TimeSpan.Zero);

    private async Task<TestEntry> ReadAsync(string stateName, GrainId grainId)
    {
        var state = new GrainState<TestEntry>();
        await _storage.ReadStateAsync(stateName, grainId, state);
        Assert.True(state.RecordExists);
        return state.State!;
    }

    private async Task<bool> ExistsAsync(string stateName, GrainId grainId)
    {
        var state = new GrainState<TestEntry>();
        await _storage.ReadStateAsync(stateName, grainId, state);
        return state.RecordExists;
    }
}

using Orleans.Storage;
using PredictionCache.Grains.Storage;
using PredictionCache.Silo.Storage;
using PredictionCache.TestKit;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>
/// What every provider's <see cref="IGrainStateTable{TState}"/> promises, run against each provider by a derived
/// class: exact counts, trimming exactly the least recently accessed (writes stamp the storage's clock), sweeping
/// exactly the expired (expiry equal to now is expired), also beyond one delete statement's chunk; counting and
/// clearing one tenant's records and no others, also while other tenants write, and refusing both on a table that
/// declares no tenant column.
/// </summary>
public abstract class GrainStateTableContractTests : IAsyncLifetime
{
    private const string StateName = "entry";

    private const string EntryGrain = "entry-grain";
    private const string LedgerGrain = "ledger-grain";
    private const string PlainGrain = "plain-grain";

    private static readonly StateTableRegistration Entries =
        new(EntryGrain, StateName, typeof(TestEntry), new TestEntryTable("entries"));

    private static readonly StateTableRegistration Ledger =
        new(LedgerGrain, StateName, typeof(TestEntry), new TestEntryTable("ledger_entries"));

    private static readonly StateTableRegistration Plain =
        new(PlainGrain, StateName, typeof(TestEntry), new TestEntryTable("plain_entries", tenants: false));

    private readonly TestClock _clock = new();
    private StorageBackend _backend = null!;
    private IGrainStorage _storage = null!;
    private IGrainStateTable<TestEntry> _table = null!;

    public async Task InitializeAsync()
    {
        _backend = CreateBackend();
        _storage = await _backend.CreateStorageAsync(_clock, [Entries, Ledger, Plain]);
        _table = TableOf(Entries);
    }

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task CountAsync_Empty_IsZero()
    {
        // Act
        var count = await _table.CountAsync();

        // Assert
        Assert.Equal(0, count);
    }

    [Fact]
    public async Task CountAsync_AfterWritesAndAClear_CountsThisTableExactly()
    {
        // Arrange
        var cleared = await WriteAsync("a");
        await WriteAsync("b");
        await WriteAsync("c");
        await _storage.ClearStateAsync(StateName, GrainId.Create(EntryGrain, "a"), cleared);
        await _storage.WriteStateAsync(StateName, GrainId.Create(LedgerGrain, "a"), new GrainState<TestEntry>(Entry()));

        // Act
        var count = await _table.CountAsync();

        // Assert
        Assert.Equal(2, count);
        Assert.Equal(1, await TableOf(Ledger).CountAsync());
    }

    [Fact]
    public async Task TrimAsync_AfterRecordAccess_DeletesExactlyTheLeastRecentlyAccessed()
    {
        // Arrange: written a second apart, then a and b read later than the rest.
        foreach (var key in new[] { "a", "b", "c", "d", "e" })
        {
            await WriteAsync(key);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        await _table.RecordAccessAsync(["a", "b"], _clock.GetUtcNow());

        // Act
        var trimmed = await _table.TrimAsync(3);

        // Assert
        Assert.Equal(2, trimmed);
        Assert.Equal(["a", "b", "e"], await ExistingAsync("a", "b", "c", "d", "e"));
    }

    [Fact]
    public async Task TrimAsync_RewrittenRecord_CountsAsAccessedAtTheWrite()
    {
        // Arrange: a written first, b next, then a written again: b is now the least recent.
        var a = await WriteAsync("a");
        _clock.Advance(TimeSpan.FromSeconds(1));
        await WriteAsync("b");
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _storage.WriteStateAsync(StateName, GrainId.Create(EntryGrain, "a"), a);

        // Act
        var trimmed = await _table.TrimAsync(1);

        // Assert
        Assert.Equal(1, trimmed);
        Assert.Equal(["a"], await ExistingAsync("a", "b"));
    }

    [Fact]
    public async Task TrimAsync_AtOrUnderTheLimit_DeletesNothing()
    {
        // Arrange
        await WriteAsync("a");
        await WriteAsync("b");

        // Act
        var atLimit = await _table.TrimAsync(2);
        var underLimit = await _table.TrimAsync(5);

        // Assert
        Assert.Equal(0, atLimit);
        Assert.Equal(0, underLimit);
        Assert.Equal(2, await _table.CountAsync());
    }

    [Fact]
    public async Task TrimAsync_ToZero_DeletesEveryRecordOfThisTableOnly()
    {
        // Arrange
        await WriteAsync("a");
        await WriteAsync("b");
        await _storage.WriteStateAsync(StateName, GrainId.Create(LedgerGrain, "a"), new GrainState<TestEntry>(Entry()));

        // Act
        var trimmed = await _table.TrimAsync(0);

        // Assert
        Assert.Equal(2, trimmed);
        Assert.Equal(0, await _table.CountAsync());
        Assert.Equal(1, await TableOf(Ledger).CountAsync());
    }

    [Fact]
    public async Task RecordAccessAsync_UnknownKeysAndNoKeys_ChangeNothing()
    {
        // Arrange
        await WriteAsync("a");
        _clock.Advance(TimeSpan.FromSeconds(1));
        await WriteAsync("b");

        // Act
        await _table.RecordAccessAsync([], _clock.GetUtcNow());
        await _table.RecordAccessAsync(["missing"], _clock.GetUtcNow().AddHours(1));

        // Assert
        Assert.Equal(2, await _table.CountAsync());
        Assert.Equal(1, await _table.TrimAsync(1));
        Assert.Equal(["b"], await ExistingAsync("a", "b", "missing"));
    }

    [Fact]
    public async Task RecordAccessAsync_MoreKeysThanOneStatementTakes_TouchesEveryKey()
    {
        // Arrange: 1,200 records, bulk-i accessed at start + i ms; the first 1,100 then accessed an hour later.
        var start = await _backend.SeedAsync(_storage, Entries, _clock, 1_200);
        var touched = Enumerable.Range(0, 1_100).Select(i => $"bulk-{i}").ToArray();

        // Act
        await _table.RecordAccessAsync(touched, start.AddHours(1));

        // Assert: the 100 untouched are now the least recent.
        Assert.Equal(100, await _table.TrimAsync(1_100));
        Assert.Equal(["bulk-0", "bulk-1099"], await ExistingAsync("bulk-0", "bulk-1099", "bulk-1100", "bulk-1199"));
    }

    [Fact]
    public async Task DeleteExpiredAsync_ExpiresBeforeOrAtNow_DeletesExactlyThose()
    {
        // Arrange
        var now = _clock.GetUtcNow().AddMinutes(5);
        await WriteAsync("before", now.AddMilliseconds(-1));
        await WriteAsync("at", now);
        await WriteAsync("after", now.AddMilliseconds(1));
        await WriteAsync("never", expiresAt: null);
        await _storage.WriteStateAsync(StateName, GrainId.Create(LedgerGrain, "before"), new GrainState<TestEntry>(Entry(now.AddMilliseconds(-1))));

        // Act
        var deleted = await _table.DeleteExpiredAsync(now);

        // Assert
        Assert.Equal(2, deleted);
        Assert.Equal(["after", "never"], await ExistingAsync("before", "at", "after", "never"));
        Assert.Equal(1, await TableOf(Ledger).CountAsync());
    }

    [Fact]
    public async Task DeleteExpiredAsync_NothingExpired_DeletesNothing()
    {
        // Arrange
        var now = _clock.GetUtcNow();
        await WriteAsync("a", now.AddSeconds(1));

        // Act
        var deleted = await _table.DeleteExpiredAsync(now);

        // Assert
        Assert.Equal(0, deleted);
        Assert.Equal(1, await _table.CountAsync());
    }

    [Fact]
    public async Task ClearAsync_DeletesEveryRecordOfThisTableAndCountsThem()
    {
        // Arrange
        await WriteAsync("a");
        await WriteAsync("b");
        await WriteAsync("c");
        await _storage.WriteStateAsync(StateName, GrainId.Create(LedgerGrain, "a"), new GrainState<TestEntry>(Entry()));

        // Act
        var cleared = await _table.ClearAsync();

        // Assert
        Assert.Equal(3, cleared);
        Assert.Equal(0, await _table.CountAsync());
        Assert.Equal(1, await TableOf(Ledger).CountAsync());
        Assert.Empty(await ExistingAsync("a", "b", "c"));
    }

    [Fact]
    public async Task TrimAsync_MoreThanOneDeleteChunk_DeletesExactlyTheLeastRecent()
    {
        // Arrange: 12,000 records, bulk-i accessed at start + i ms; trimming 11,000 takes three delete chunks.
        await _backend.SeedAsync(_storage, Entries, _clock, 12_000);

        // Act
        var trimmed = await _table.TrimAsync(1_000);

        // Assert
        Assert.Equal(11_000, trimmed);
        Assert.Equal(1_000, await _table.CountAsync());
        Assert.Equal(["bulk-11000", "bulk-11999"], await ExistingAsync("bulk-0", "bulk-10999", "bulk-11000", "bulk-11999"));
    }

    [Fact]
    public async Task DeleteExpiredAsync_ExactlyTwoDeleteChunksExpired_DeletesThemAll()
    {
        // Arrange: 12,000 records, bulk-i expiring at start + i ms; at start + 9,999 ms exactly 10,000 have expired.
        var start = await _backend.SeedAsync(_storage, Entries, _clock, 12_000);

        // Act
        var deleted = await _table.DeleteExpiredAsync(start.AddMilliseconds(StateTableSql.DeleteChunk * 2 - 1));

        // Assert
        Assert.Equal(10_000, deleted);
        Assert.Equal(2_000, await _table.CountAsync());
        Assert.Equal(["bulk-10000", "bulk-11999"], await ExistingAsync("bulk-0", "bulk-9999", "bulk-10000", "bulk-11999"));
    }

    [Fact]
    public async Task DeleteExpiredAsync_MoreThanOneDeleteChunkExpired_DeletesExactlyTheExpired()
    {
        // Arrange
        var start = await _backend.SeedAsync(_storage, Entries, _clock, 12_000);

        // Act
        var deleted = await _table.DeleteExpiredAsync(start.AddMilliseconds(10_999));

        // Assert
        Assert.Equal(11_000, deleted);
        Assert.Equal(1_000, await _table.CountAsync());
        Assert.Equal(["bulk-11000"], await ExistingAsync("bulk-10999", "bulk-11000"));
    }

    [Fact]
    public async Task CountTenantAsync_CountsExactlyThatTenantsRecordsOfThisTable()
    {
        // Arrange
        await WriteAsync("a1", tenant: "a");
        await WriteAsync("a2", tenant: "a");
        await WriteAsync("b1", tenant: "b");
        await WriteAsync("none", tenant: "");
        await _storage.WriteStateAsync(StateName, GrainId.Create(LedgerGrain, "a1"), new GrainState<TestEntry>(Entry(tenant: "a")));

        // Act
        var counts = (await _table.CountTenantAsync("a"), await _table.CountTenantAsync("b"), await _table.CountTenantAsync(""), await _table.CountTenantAsync("c"));

        // Assert
        Assert.Equal((2L, 1L, 1L, 0L), counts);
    }

    [Fact]
    public async Task ClearTenantAsync_DeletesExactlyThatTenantsRecordsAndCountsThem()
    {
        // Arrange: tenants whose names differ only in case or by a prefix stay apart.
        await WriteAsync("a1", tenant: "a");
        await WriteAsync("a2", tenant: "a");
        await WriteAsync("upper-a1", tenant: "A");
        await WriteAsync("ab1", tenant: "ab");
        await WriteAsync("none", tenant: "");
        await _storage.WriteStateAsync(StateName, GrainId.Create(LedgerGrain, "a1"), new GrainState<TestEntry>(Entry(tenant: "a")));

        // Act
        var cleared = await _table.ClearTenantAsync("a");
        var again = await _table.ClearTenantAsync("a");

        // Assert
        Assert.Equal((2L, 0L), (cleared, again));
        Assert.Equal(["upper-a1", "ab1", "none"], await ExistingAsync("a1", "a2", "upper-a1", "ab1", "none"));
        Assert.Equal(1, await TableOf(Ledger).CountTenantAsync("a"));
    }

    [Fact]
    public async Task ClearTenantAsync_EmptyTenant_DeletesOnlyTheRecordsOfNoTenant()
    {
        // Arrange
        await WriteAsync("none1", tenant: "");
        await WriteAsync("none2", tenant: "");
        await WriteAsync("a1", tenant: "a");

        // Act
        var cleared = await _table.ClearTenantAsync("");

        // Assert
        Assert.Equal(2, cleared);
        Assert.Equal(["a1"], await ExistingAsync("none1", "none2", "a1"));
        Assert.Equal((0L, 1L), (await _table.CountTenantAsync(""), await _table.CountTenantAsync("a")));
    }

    [Fact]
    public async Task ClearTenantAsync_MoreThanOneDeleteChunk_DeletesThemAllAndKeepsOtherTenants()
    {
        // Arrange: 12,000 records of no tenant take three delete chunks; two of tenant a.
        await _backend.SeedAsync(_storage, Entries, _clock, 12_000);
        await WriteAsync("a1", tenant: "a");
        await WriteAsync("a2", tenant: "a");

        // Act
        var cleared = await _table.ClearTenantAsync("");

        // Assert
        Assert.Equal(12_000, cleared);
        Assert.Equal(2, await _table.CountAsync());
        Assert.Equal(["a1", "a2"], await ExistingAsync("bulk-0", "bulk-11999", "a1", "a2"));
    }

    [Fact]
    public async Task ClearTenantAsync_WhileThreeTenantsWriteConcurrently_LeavesTheOtherTenantsExact()
    {
        // Arrange: half of each tenant's records stored before the clear starts, so it has records to delete.
        const int perTenant = 300;
        string[] tenants = ["t1", "t2", "t3"];
        Task WriteRangeAsync(int from, int count) =>
            Task.WhenAll(tenants.SelectMany(t => Enumerable.Range(from, count).Select(i => Task.Run(() => WriteAsync($"{t}-{i}", tenant: t)))));
        await WriteRangeAsync(0, perTenant / 2);

        // Act: the rest written while t2 is cleared.
        var writes = WriteRangeAsync(perTenant / 2, perTenant / 2);
        var cleared = await _table.ClearTenantAsync("t2");
        await writes;

        // Assert: t2's records written during the clear may be kept, but each was either deleted or kept.
        var kept = await _table.CountTenantAsync("t2");
        Assert.Equal(((long)perTenant, (long)perTenant), (await _table.CountTenantAsync("t1"), await _table.CountTenantAsync("t3")));
        Assert.InRange(cleared, perTenant / 2, perTenant);
        Assert.Equal(perTenant, cleared + kept);
        Assert.Equal(2 * perTenant + kept, await _table.CountAsync());
        Assert.Equal(kept, await _table.ClearTenantAsync("t2"));
        Assert.Equal(2 * perTenant, await _table.CountAsync());
    }

    [Fact]
    public async Task TenantUpkeep_TableWithoutTenantColumn_ThrowsNotSupportedNamingTheTable()
    {
        // Arrange
        var plain = TableOf(Plain);
        await _storage.WriteStateAsync(StateName, GrainId.Create(PlainGrain, "a1"), new GrainState<TestEntry>(Entry(tenant: "a")));

        // Act
        var count = await Assert.ThrowsAsync<NotSupportedException>(() => plain.CountTenantAsync("a"));
        var clear = await Assert.ThrowsAsync<NotSupportedException>(() => plain.ClearTenantAsync("a"));

        // Assert
        Assert.Contains("'plain_entries'", count.Message, StringComparison.Ordinal);
        Assert.Contains("'plain_entries'", clear.Message, StringComparison.Ordinal);
        Assert.Equal(1, await plain.CountAsync());
    }

    private protected abstract StorageBackend CreateBackend();

    private static TestEntry Entry(DateTimeOffset? expiresAt = null, string tenant = "") => new()
    {
        Name = "entry",
        Payload = "{}",
        CreatedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        JobId = Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"),
        ExpiresAt = expiresAt,
        Tenant = tenant,
    };

    private IGrainStateTable<TestEntry> TableOf(StateTableRegistration registration) =>
        ((IGrainStateTableProvider)_storage).GetTable(registration.GrainType, registration.StateName, (GrainStateTable<TestEntry>)registration.Table);

    private async Task<GrainState<TestEntry>> WriteAsync(string key, DateTimeOffset? expiresAt = null, string tenant = "")
    {
        var state = new GrainState<TestEntry>(Entry(expiresAt, tenant));
        await _storage.WriteStateAsync(StateName, GrainId.Create(EntryGrain, key), state);
        return state;
    }

    /// <summary>Which of <paramref name="keys"/> still have a record, in the order given.</summary>
    private async Task<string[]> ExistingAsync(params string[] keys)
    {
        var existing = new List<string>();
        foreach (var key in keys)
        {
            var state = new GrainState<TestEntry>();
            await _storage.ReadStateAsync(StateName, GrainId.Create(EntryGrain, key), state);
            if (state.RecordExists)
            {
                existing.Add(key);
            }
        }

        return [.. existing];
    }
}

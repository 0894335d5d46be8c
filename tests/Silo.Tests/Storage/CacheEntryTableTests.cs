using Orleans.Storage;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Storage;
using PredictionCache.Silo.Storage;
using PredictionCache.TestKit;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>
/// <see cref="CacheEntryTable"/> on the cache's own schema (<see cref="CacheSchema"/>) of each provider: every field,
/// the tenant included, round-trips; tenant upkeep counts and clears one tenant's entries; and on SQL its statements
/// find the tenant's rows through <c>ix_cache_entries_tenant</c>, not a scan.
/// </summary>
public sealed class CacheEntryTableTests : IAsyncLifetime
{
    private const string Memory = "memory";
    private const string Sqlite = "sqlite";
    private const string Postgres = "postgres";

    private static readonly StateTableRegistration Entries =
        new(PredictionCacheSiloBuilderExtensions.PredictionGrainType, PredictionGrain.StateName, typeof(CacheEntry), new CacheEntryTable());

    private readonly TestClock _clock = new();
    private SqlBackend? _backend;
    private StorageDatabase? _database;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(Memory)]
    [InlineData(Sqlite)]
    [InlineData(Postgres)]
    public async Task Write_ThenRead_KeepsEveryFieldAndTheTenant(string provider)
    {
        // Arrange: whole milliseconds, which every provider keeps.
        var storage = await CreateStorageAsync(provider);
        var written = Entry("acme", new DateTimeOffset(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero));

        // Act
        await storage.WriteStateAsync(Entries.StateName, Key("k"), new GrainState<CacheEntry>(written));
        var read = new GrainState<CacheEntry>();
        await storage.ReadStateAsync(Entries.StateName, Key("k"), read);

        // Assert: the result by its JSON, since entries compare results by reference.
        Assert.True(read.RecordExists);
        Assert.Equal(written with { Result = null }, read.State! with { Result = null });
        Assert.Equal(written.Result!.ToString(), read.State.Result!.ToString());
        Assert.Equal("acme", read.State.Tenant);
    }

    [Theory]
    [InlineData(Memory)]
    [InlineData(Sqlite)]
    [InlineData(Postgres)]
    public async Task ClearTenantAsync_DeletesThatTenantsEntriesAndNoOthers(string provider)
    {
        // Arrange
        var storage = await CreateStorageAsync(provider);
        var table = TableOf(storage);
        var now = _clock.GetUtcNow();
        foreach (var (key, tenant) in new[] { ("a1", "a"), ("a2", "a"), ("b1", "b"), ("g1", ""), ("g2", "") })
        {
            await storage.WriteStateAsync(Entries.StateName, Key(key), new GrainState<CacheEntry>(Entry(tenant, now)));
        }

        // Act
        var before = (await table.CountTenantAsync("a"), await table.CountTenantAsync("b"), await table.CountTenantAsync(""));
        var cleared = await table.ClearTenantAsync("a");
        var untenanted = await table.ClearTenantAsync("");

        // Assert
        Assert.Equal((2L, 1L, 2L), before);
        Assert.Equal((2L, 2L), (cleared, untenanted));
        Assert.Equal((0L, 1L, 0L), (await table.CountTenantAsync("a"), await table.CountTenantAsync("b"), await table.CountTenantAsync("")));
        Assert.Equal(1L, await table.CountAsync());
    }

    [Theory]
    [InlineData(Sqlite)]
    [InlineData(Postgres)]
    public async Task TenantStatements_FindTheRowsThroughTheTenantIndex(string provider)
    {
        // Arrange
        await CreateStorageAsync(provider);
        var database = _database!;
        var sql = new AdoNetStateTable<CacheEntry>(database, (GrainStateTable<CacheEntry>)Entries.Table).Sql;

        // Act
        var count = await PlanAsync(database, sql.CountTenant!);
        var clear = await PlanAsync(database, sql.ClearTenant!);

        // Assert: a search of the index by the tenant (SQLite "(tenant=?)", PostgreSQL "Index Cond: (tenant = ...)").
        var search = provider == Sqlite ? "ix_cache_entries_tenant (tenant=?)" : "Index Cond: (tenant = ";
        Assert.All(new[] { count, clear }, plan => Assert.Contains("ix_cache_entries_tenant", plan, StringComparison.Ordinal));
        Assert.All(new[] { count, clear }, plan => Assert.Contains(search, plan, StringComparison.Ordinal));
    }

    private static GrainId Key(string key) => GrainId.Create(Entries.GrainType, key);

    private static CacheEntry Entry(string tenant, DateTimeOffset createdAt) => new()
    {
        Model = "sentiment",
        NormalizedText = "héllo 'quoted'",
        Result = PredictionResult.FromJson("""{"sentiment": "positive", "confidence": 0.9}"""u8),
        JobId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        CreatedAt = createdAt,
        ExpiresAt = createdAt.AddHours(1),
        Tenant = tenant,
    };

    /// <summary>
    /// The query plan of <paramref name="sql"/> for some tenant. PostgreSQL may rightly scan a table this small, so
    /// sequential scans are priced out for the one transaction: what is asked is whether the index can serve.
    /// </summary>
    private static async Task<string> PlanAsync(StorageDatabase database, string sql)
    {
        var sqlite = database.Dialect is SqliteDialect;
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (!sqlite)
        {
            await using var noSeqScan = StorageDatabase.CreateCommand(connection, "SET LOCAL enable_seqscan = off", transaction);
            await noSeqScan.ExecuteNonQueryAsync();
        }

        await using var command = StorageDatabase.CreateCommand(connection, (sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + sql, transaction);
        database.Dialect.AddParameter(command, "tenant", "acme");
        database.Dialect.AddParameter(command, "limit", 100);
        await using var reader = await command.ExecuteReaderAsync();
        var plan = new List<string>();
        while (await reader.ReadAsync())
        {
            // SQLite: (id, parent, notused, detail); PostgreSQL: one line of text per row.
            plan.Add(reader.GetString(sqlite ? 3 : 0));
        }

        // Never committed: disposing the transaction after the reader rolls the setting back.
        return string.Join(Environment.NewLine, plan);
    }

    private IGrainStateTable<CacheEntry> TableOf(IGrainStorage storage) =>
        ((IGrainStateTableProvider)storage).GetTable(Entries.GrainType, Entries.StateName, (GrainStateTable<CacheEntry>)Entries.Table);

    private async Task<IGrainStorage> CreateStorageAsync(string provider)
    {
        if (provider == Memory)
        {
            return new MemoryTableGrainStorage(_clock);
        }

        _backend = provider == Sqlite ? new SqliteBackend() : new PostgresBackend();
        _database = await _backend.CreateDatabaseAsync();
        await _database.MigrateAsync(CacheSchema.Component, CacheSchema.For(_database.Dialect));
        return new AdoNetGrainStorage(_database, _clock, [Entries]);
    }
}

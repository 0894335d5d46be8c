using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Silo.Storage;
using PredictionCache.Silo.Tests.Grains;
using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary><see cref="ISiloBuilder.AddGrainStorage"/> choosing the provider from <c>Storage:Provider</c>, and grains persisting through it.</summary>
public sealed class GrainStorageRegistrationTests : IAsyncLifetime
{
    private readonly SqliteBackend _sqlite = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _sqlite.DisposeAsync();

    [Fact]
    public async Task AddGrainStorage_ProviderMemory_RegistersTheInMemoryStorage()
    {
        // Arrange
        await using var silo = await StartAsync(new() { ["Storage:Provider"] = "memory" });

        // Act
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(SiloBuilder.DefaultStorageName);

        // Assert
        Assert.IsType<MemoryGrainStorage>(storage);
        Assert.Equal(0, await silo.Services.GetRequiredService<IGrainStateTable<CounterState>>().CountAsync());
    }

    [Fact]
    public async Task AddGrainStorage_ProviderSqlite_GrainsOfTwoTypesPersistToTheirOwnTables()
    {
        // Arrange: the schema a component would migrate at start-up.
        var database = await _sqlite.CreateDatabaseAsync();
        await database.MigrateAsync("counters", [CounterStateTable.SqliteSchema("counters") + CounterStateTable.SqliteSchema("ledgers")]);
        await using var silo = await StartAsync(new() { ["Storage:Provider"] = "sqlite", ["Storage:ConnectionString"] = _sqlite.ConnectionString });
        var counter = silo.GetGrain<ICounterGrain>("same-key");
        var ledger = silo.GetGrain<ILedgerGrain>("same-key");

        // Act
        await counter.IncrementAsync();
        await ledger.IncrementAsync();
        await ledger.IncrementAsync();
        await counter.DeactivateOnIdleAsync("reload");
        await ledger.DeactivateOnIdleAsync("reload");

        // Assert: read back from the file by new activations.
        Assert.IsType<AdoNetGrainStorage>(silo.Services.GetRequiredKeyedService<IGrainStorage>(SiloBuilder.DefaultStorageName));
        Assert.Equal(1, await counter.GetValueAsync());
        Assert.Equal(2, await ledger.GetValueAsync());
        Assert.Equal(1, await silo.Services.GetRequiredService<IGrainStateTable<CounterState>>().CountAsync());
        Assert.Equal("1", await ScalarAsync(database, "SELECT value FROM counters WHERE grain_key = 'same-key'"));
        Assert.Equal("2", await ScalarAsync(database, "SELECT value FROM ledgers WHERE grain_key = 'same-key'"));
    }

    private static Task<TestSilo> StartAsync(Dictionary<string, string?> settings) =>
        TestSilo.StartAsync(
            services => services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()),
            silo => silo
                .AddGrainStorage()
                .AddStateTable<CounterGrain, CounterState>("counter", new CounterStateTable("counters"))
                .AddStateTable<LedgerGrain, CounterState>("counter", new CounterStateTable("ledgers")));

    private static async Task<object?> ScalarAsync(StorageDatabase database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = StorageDatabase.CreateCommand(connection, sql);
        return await command.ExecuteScalarAsync();
    }
}

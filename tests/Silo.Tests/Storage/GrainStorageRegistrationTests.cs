using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Storage;
using PredictionCache.Silo.Storage;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>
/// The silo's composition choosing the grain storage <c>"cache"</c> from <c>Storage:Provider</c>: the provider, its
/// upkeep table and job store, and, on a SQL provider, the schema migrated before the silo takes grains.
/// </summary>
public sealed class GrainStorageRegistrationTests : IAsyncLifetime
{
    private readonly SqliteBackend _sqlite = new();
    private readonly PostgresBackend _postgres = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _sqlite.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task AddPredictionCacheSilo_ProviderMemory_RegistersTheInMemoryStorageAndJobStore()
    {
        // Arrange
        await using var clusterHost = await TestClusters.StartAsync(1, TestClusters.Memory());
        var cluster = clusterHost.Cluster;
        var services = cluster.Silos[0].ServiceProvider;

        // Act
        var storage = services.GetRequiredKeyedService<IGrainStorage>(PredictionGrain.StorageName);

        // Assert
        Assert.IsType<MemoryTableGrainStorage>(storage);
        Assert.IsType<MemoryJobStore>(services.GetRequiredService<IJobStore>());
        await AssertTableSharesTheStorageAsync(storage, services.GetRequiredService<IGrainStateTable<CacheEntry>>());
    }

    [Fact]
    public async Task AddPredictionCacheSilo_ProviderSqlite_RegistersTheSqlStorageOnAMigratedFile()
    {
        // Arrange
        await using var clusterHost = await TestClusters.StartAsync(
            1, new Dictionary<string, string?> { ["Storage:Provider"] = "sqlite", ["Storage:ConnectionString"] = _sqlite.ConnectionString });
        var cluster = clusterHost.Cluster;
        var services = cluster.Silos[0].ServiceProvider;

        // Act
        var storage = services.GetRequiredKeyedService<IGrainStorage>(PredictionGrain.StorageName);

        // Assert
        Assert.IsType<AdoNetGrainStorage>(storage);
        Assert.IsType<SqlJobStore>(services.GetRequiredService<IJobStore>());
        await AssertMigratedAsync(services.GetRequiredService<StorageDatabase>(), SqliteDialect.Instance);
        await AssertTableSharesTheStorageAsync(storage, services.GetRequiredService<IGrainStateTable<CacheEntry>>());
        Assert.Equal(1, await ScalarAsync(await _sqlite.CreateDatabaseAsync(), "SELECT COUNT(*) FROM cache_entries WHERE key = 'registration'"));
    }

    [Fact]
    public async Task AddPredictionCacheSilo_ProviderSqlite_APredictionIsStoredInTheFile()
    {
        // Arrange
        await using var clusterHost = await TestClusters.StartAsync(
            1, new Dictionary<string, string?> { ["Storage:Provider"] = "sqlite", ["Storage:ConnectionString"] = _sqlite.ConnectionString });
        var cluster = clusterHost.Cluster;
        var services = cluster.Silos[0].ServiceProvider;
        var predictions = services.GetRequiredService<PredictionService>();

        // Act: a miss runs the built-in model; the job completes after the grain has taken the result.
        var started = await predictions.PredictAsync(predictions.Models.DefaultModel, "a fine film", "a fine film", default);
        var job = await predictions.WaitForJobAsync(started.JobId, TimeSpan.FromSeconds(30));

        // A later, non-interleaving call on the grain runs after its completion turn, which stored the entry.
        var again = await predictions.PredictAsync(predictions.Models.DefaultModel, "a fine film", "a fine film", new CacheDirectives(MaxStale: TimeSpan.Zero));

        // Assert
        Assert.Equal(PredictionStatus.Started, started.Status);
        Assert.Equal(JobStatus.Completed, job?.Status);
        Assert.Equal(PredictionStatus.Hit, again.Status);
        Assert.Equal(1, await services.GetRequiredService<IGrainStateTable<CacheEntry>>().CountAsync());
        Assert.Equal(1, await ScalarAsync(await _sqlite.CreateDatabaseAsync(), $"SELECT COUNT(*) FROM cache_entries WHERE key = '{started.Key}'"));
    }

    [Fact]
    public async Task AddPredictionCacheSilo_ProviderPostgres_RegistersTheSqlStorageOnAMigratedDatabase()
    {
        // Arrange
        await using var clusterHost = await TestClusters.StartAsync(
            1, new Dictionary<string, string?> { ["Storage:Provider"] = "postgres", ["Storage:ConnectionString"] = await _postgres.GetConnectionStringAsync() });
        var cluster = clusterHost.Cluster;
        var services = cluster.Silos[0].ServiceProvider;

        // Act
        var storage = services.GetRequiredKeyedService<IGrainStorage>(PredictionGrain.StorageName);

        // Assert
        Assert.IsType<AdoNetGrainStorage>(storage);
        Assert.IsType<SqlJobStore>(services.GetRequiredService<IJobStore>());
        await AssertMigratedAsync(services.GetRequiredService<StorageDatabase>(), PostgresDialect.Instance);
        await AssertTableSharesTheStorageAsync(storage, services.GetRequiredService<IGrainStateTable<CacheEntry>>());
        Assert.Equal(1, await ScalarAsync(await _postgres.CreateDatabaseAsync(), "SELECT COUNT(*) FROM cache_entries WHERE key = 'registration'"));
    }

    /// <summary>The cache's schema, at its last version, was in place when the silo had started.</summary>
    private static async Task AssertMigratedAsync(StorageDatabase database, StorageDialect dialect)
    {
        Assert.Same(dialect, database.Dialect);
        Assert.Equal(CacheSchema.For(dialect).Count, await database.GetSchemaVersionAsync(CacheSchema.Component));
    }

    /// <summary>A prediction grain's state written through the storage is what the upkeep table counts and clears.</summary>
    private static async Task AssertTableSharesTheStorageAsync(IGrainStorage storage, IGrainStateTable<CacheEntry> table)
    {
        var entry = new CacheEntry
        {
            Model = "sentiment",
            NormalizedText = "registration",
            Result = PredictionResult.FromJson("""{"label":"positive"}"""u8),
            JobId = Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"),
            CreatedAt = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero),
            ExpiresAt = new DateTimeOffset(2030, 1, 2, 0, 0, 0, TimeSpan.Zero),
        };
        var grainId = GrainId.Create(PredictionCacheSiloBuilderExtensions.PredictionGrainType, "registration");
        Assert.Equal(0, await table.CountAsync());

        await storage.WriteStateAsync(PredictionGrain.StateName, grainId, new GrainState<CacheEntry>(entry));

        Assert.Equal(1, await table.CountAsync());
        var read = new GrainState<CacheEntry>();
        await storage.ReadStateAsync(PredictionGrain.StateName, grainId, read);
        Assert.True(read.RecordExists);
        Assert.Equal("""{"label":"positive"}""", read.State!.Result?.ToString());
        Assert.Equal(entry with { Result = read.State!.Result }, read.State!);
    }

    private static async Task<long> ScalarAsync(StorageDatabase database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = StorageDatabase.CreateCommand(connection, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}

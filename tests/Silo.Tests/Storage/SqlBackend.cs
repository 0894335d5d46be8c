using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;
using PredictionCache.Silo.Storage;
using PredictionCache.TestKit;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>A provider on a real SQL database of the test's own; every <see cref="StorageDatabase"/> made here is disposed with it.</summary>
internal abstract class SqlBackend : StorageBackend
{
    /// <summary>The migration component the test tables are recorded under.</summary>
    public const string Component = "test-entries";

    private readonly Lock _gate = new();
    private readonly List<StorageDatabase> _databases = [];
    private StorageDatabase? _storageDatabase;

    public abstract StorageDialect Dialect { get; }

    /// <summary>The test's own database.</summary>
    public abstract Task<string> GetConnectionStringAsync();

    /// <summary>A new <see cref="StorageDatabase"/> on the test's database, disposed with this backend.</summary>
    public async Task<StorageDatabase> CreateDatabaseAsync(int maxWriteBatch = 256)
    {
        var database = new StorageDatabase(Dialect, await GetConnectionStringAsync(), maxWriteBatch, NullLogger<StorageDatabase>.Instance);
        lock (_gate)
        {
            _databases.Add(database);
        }

        return database;
    }

    public override async Task<IGrainStorage> CreateStorageAsync(TimeProvider time, IReadOnlyList<StateTableRegistration> tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _storageDatabase = await CreateDatabaseAsync();
        var schema = string.Join(Environment.NewLine, tables.Select(t => Schema(((GrainStateTable<TestEntry>)t.Table).TableName)));
        await _storageDatabase.MigrateAsync(Component, [schema]);
        return new AdoNetGrainStorage(_storageDatabase, time, tables);
    }

    /// <summary>One statement for every record, instead of 12,000 writes.</summary>
    public override async Task<DateTimeOffset> SeedAsync(IGrainStorage storage, StateTableRegistration table, TestClock clock, int count)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(clock);
        var database = _storageDatabase ?? throw new InvalidOperationException("Create the storage first.");
        var start = clock.GetUtcNow();
        await database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = StorageDatabase.CreateCommand(connection, Seed(((GrainStateTable<TestEntry>)table.Table).TableName), transaction);
            database.Dialect.AddParameter(command, "count", count);
            database.Dialect.AddParameter(command, "start", start);
            return await command.ExecuteNonQueryAsync();
        });
        return start;
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        await DeleteDatabaseAsync();
    }

    /// <summary>The DDL of a <see cref="TestEntryTable"/> named <paramref name="table"/>.</summary>
    public abstract string Schema(string table);

    /// <summary>See <see cref="TestEntrySchema.SqliteSeed"/>.</summary>
    protected abstract string Seed(string table);

    protected abstract ValueTask DeleteDatabaseAsync();
}

using System.Data.Common;
using System.Globalization;
using PredictionCache.Silo.Storage;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>
/// What <see cref="StorageDatabase"/> promises on every SQL provider, run by a derived class per provider: group
/// commit (batched, one bad write failing alone, cancellation until a write runs, nothing after dispose) and
/// migrations (idempotent, incremental, refusing a newer schema).
/// </summary>
public abstract class StorageDatabaseContractTests : IAsyncLifetime
{
    private const string ItemsComponent = "items";

    private static readonly string[] ItemsSchema = ["CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, note TEXT NOT NULL)"];

    private SqlBackend _backend = null!;

    public Task InitializeAsync()
    {
        _backend = CreateBackend();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task WriteAsync_ThousandConcurrentWrites_AllCommitInFewerTransactions()
    {
        // Arrange
        var database = await CreateItemsDatabaseAsync();

        // Act
        var writes = Enumerable.Range(0, 1_000).Select(i => InsertAsync(database, i)).ToArray();
        var results = await Task.WhenAll(writes);

        // Assert
        Assert.All(results, rows => Assert.Equal(1, rows));
        Assert.Equal(1_000, await CountItemsAsync(database));
        Assert.InRange(database.Commits, 1, 999);
    }

    [Fact]
    public async Task WriteAsync_ReturnsTheWritesResultAfterItsCommit()
    {
        // Arrange
        var database = await CreateItemsDatabaseAsync();

        // Act
        var rows = await InsertAsync(database, 1);

        // Assert: visible to a reader on another connection as soon as the task completes.
        Assert.Equal(1, rows);
        Assert.Equal(1, await CountItemsAsync(database));
        Assert.Equal(1, database.Commits);
    }

    [Fact]
    public async Task WriteAsync_OneWriteViolatesAConstraint_FailsAloneAndTheRestOfItsBatchCommits()
    {
        // Arrange: item 5 exists; the writer is held busy while ten writes queue, so they form one batch.
        var database = await CreateItemsDatabaseAsync();
        await InsertAsync(database, 5);
        await using var gate = await HoldWriterAsync(database);
        var runs = new int[10];
        var writes = Enumerable.Range(0, 10).Select(i => database.WriteAsync(async (connection, transaction) =>
        {
            runs[i]++;
            return await InsertAsync(connection, transaction, i == 3 ? 5 : 100 + i);
        })).ToArray();

        // Act
        gate.Release();
        var outcomes = await Task.WhenAll(writes.Select(OutcomeAsync));

        // Assert: 0 to 3 ran in the batch, which 3 failed and rolled back; then each ran alone.
        Assert.Equal(new[] { 2, 2, 2, 2, 1, 1, 1, 1, 1, 1 }, runs);
        Assert.IsAssignableFrom<DbException>(outcomes[3]);
        Assert.All(outcomes.Where((_, i) => i != 3), Assert.Null);
        Assert.Equal(10, await CountItemsAsync(database));
        Assert.Equal(new[] { 5, 100, 101, 102, 104, 105, 106, 107, 108, 109 }, await ItemIdsAsync(database));
    }

    [Fact]
    public async Task WriteAsync_DelegateThrows_ThatWriteFailsWithItsException()
    {
        // Arrange
        var database = await CreateItemsDatabaseAsync();

        // Act
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(
            () => database.WriteAsync<int>((_, _) => throw new InvalidOperationException("bad write")));

        // Assert
        Assert.Equal("bad write", exception.Message);
        Assert.Equal(1, await InsertAsync(database, 1));
        Assert.Equal(1, await CountItemsAsync(database));
    }

    [Fact]
    public async Task WriteAsync_CancelledWhileQueued_IsCancelledAndNotApplied()
    {
        // Arrange
        var database = await CreateItemsDatabaseAsync();
        using var cancellation = new CancellationTokenSource();
        Task<int> queued;
        await using (var gate = await HoldWriterAsync(database))
        {
            queued = InsertAsync(database, 1, cancellation.Token);
            var kept = InsertAsync(database, 2);

            // Act
            await cancellation.CancelAsync();
            gate.Release();
            await kept;
        }

        // Assert
        var exception = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.Equal(cancellation.Token, exception.CancellationToken);
        Assert.Equal(new[] { 2 }, await ItemIdsAsync(database));
    }

    [Fact]
    public async Task WriteAsync_AlreadyCancelled_ThrowsAndIsNotApplied()
    {
        // Arrange
        var database = await CreateItemsDatabaseAsync();

        // Act
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => InsertAsync(database, 1, new CancellationToken(canceled: true)));

        // Assert
        Assert.Equal(0, await CountItemsAsync(database));
    }

    [Fact]
    public async Task WriteAsync_AfterDispose_ThrowsObjectDisposedException()
    {
        // Arrange
        var database = await CreateItemsDatabaseAsync();
        await InsertAsync(database, 1);

        // Act
        await database.DisposeAsync();

        // Assert
        await Assert.ThrowsAsync<ObjectDisposedException>(() => InsertAsync(database, 2));
    }

    [Fact]
    public async Task DisposeAsync_WritesStillQueued_AreCommittedFirst()
    {
        // Arrange
        var database = await CreateItemsDatabaseAsync();
        Task<int>[] queued;
        await using (var gate = await HoldWriterAsync(database))
        {
            queued = [.. Enumerable.Range(1, 5).Select(i => InsertAsync(database, i))];
            gate.Release();
        }

        // Act
        await database.DisposeAsync();

        // Assert
        Assert.All(await Task.WhenAll(queued), rows => Assert.Equal(1, rows));
        var reopened = await _backend.CreateDatabaseAsync();
        Assert.Equal(5, await CountItemsAsync(reopened));
    }

    [Fact]
    public async Task MigrateAsync_Twice_RecordsTheVersionOnceAndDoesNotRerunTheDdl()
    {
        // Arrange: a second run of the CREATE TABLE would fail, a second run of the INSERT would add a row.
        var database = await _backend.CreateDatabaseAsync();
        string[] migrations = ["CREATE TABLE runs (id INTEGER NOT NULL PRIMARY KEY)", "INSERT INTO runs (id) VALUES (1)"];
        await database.MigrateAsync("runs", migrations);

        // Act
        await database.MigrateAsync("runs", migrations);

        // Assert
        Assert.Equal(2, await database.GetSchemaVersionAsync("runs"));
        Assert.Equal(1, await ScalarAsync(database, "SELECT COUNT(*) FROM runs"));
        Assert.Equal(1, await ScalarAsync(database, "SELECT COUNT(*) FROM schema_versions WHERE component = 'runs'"));
    }

    [Fact]
    public async Task MigrateAsync_MigrationAdded_AppliesOnlyTheNewOne()
    {
        // Arrange
        var database = await _backend.CreateDatabaseAsync();
        await database.MigrateAsync("runs", ["CREATE TABLE runs (id INTEGER NOT NULL PRIMARY KEY)", "INSERT INTO runs (id) VALUES (1)"]);

        // Act
        await database.MigrateAsync(
            "runs",
            ["CREATE TABLE runs (id INTEGER NOT NULL PRIMARY KEY)", "INSERT INTO runs (id) VALUES (1)", "INSERT INTO runs (id) VALUES (2)"]);

        // Assert
        Assert.Equal(3, await database.GetSchemaVersionAsync("runs"));
        Assert.Equal(2, await ScalarAsync(database, "SELECT COUNT(*) FROM runs"));
        Assert.Equal(1, await ScalarAsync(database, "SELECT COUNT(*) FROM schema_versions WHERE component = 'runs'"));
    }

    [Fact]
    public async Task MigrateAsync_DatabaseNewerThanTheBuild_ThrowsNamingBothVersionsAndChangesNothing()
    {
        // Arrange
        var database = await _backend.CreateDatabaseAsync();
        await database.MigrateAsync("runs", ["CREATE TABLE runs (id INTEGER NOT NULL PRIMARY KEY)", "INSERT INTO runs (id) VALUES (1)"]);

        // Act
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(
            () => database.MigrateAsync("runs", ["CREATE TABLE runs (id INTEGER NOT NULL PRIMARY KEY)"]));

        // Assert
        Assert.Equal(
            "The database's 'runs' schema is at version 2, newer than this build knows (1). Run a newer build.",
            exception.Message);
        Assert.Equal(2, await database.GetSchemaVersionAsync("runs"));
        Assert.Equal(1, await ScalarAsync(database, "SELECT COUNT(*) FROM runs"));
    }

    [Fact]
    public async Task MigrateAsync_FailingMigration_RollsBackEveryStepOfThatRun()
    {
        // Arrange
        var database = await _backend.CreateDatabaseAsync();
        await database.MigrateAsync("runs", ["CREATE TABLE runs (id INTEGER NOT NULL PRIMARY KEY)"]);

        // Act
        await Assert.ThrowsAnyAsync<DbException>(() => database.MigrateAsync(
            "runs",
            ["CREATE TABLE runs (id INTEGER NOT NULL PRIMARY KEY)", "INSERT INTO runs (id) VALUES (1)", "INSERT INTO no_such_table (id) VALUES (1)"]));

        // Assert
        Assert.Equal(1, await database.GetSchemaVersionAsync("runs"));
        Assert.Equal(0, await ScalarAsync(database, "SELECT COUNT(*) FROM runs"));
    }

    [Fact]
    public async Task MigrateAsync_TwoComponents_KeepTheirOwnVersions()
    {
        // Arrange
        var database = await _backend.CreateDatabaseAsync();

        // Act
        await database.MigrateAsync("a", ["CREATE TABLE a (id INTEGER)"]);
        await database.MigrateAsync("b", ["CREATE TABLE b (id INTEGER)", "CREATE TABLE b2 (id INTEGER)"]);

        // Assert
        Assert.Equal(1, await database.GetSchemaVersionAsync("a"));
        Assert.Equal(2, await database.GetSchemaVersionAsync("b"));
        Assert.Equal(0, await database.GetSchemaVersionAsync("c"));
    }

    [Fact]
    public async Task MigrateAsync_SeveralNodesAtOnce_AllSucceedAndEachMigrationRunsOnce()
    {
        // Arrange: five nodes (on PostgreSQL serialised by an advisory lock, on SQLite by the write lock),
        // each its own StorageDatabase and pool, starting together on one database.
        var nodes = new List<StorageDatabase>();
        for (var i = 0; i < 5; i++)
        {
            nodes.Add(await CreateDatabaseAsync());
        }

        string[] migrations = ["CREATE TABLE runs (id INTEGER NOT NULL PRIMARY KEY)", "INSERT INTO runs (id) VALUES (1)"];

        // Act
        await Task.WhenAll(nodes.Select(node => Task.Run(() => node.MigrateAsync("runs", migrations))));

        // Assert
        Assert.Equal(1, await ScalarAsync(nodes[0], "SELECT COUNT(*) FROM runs"));
        Assert.Equal(1, await ScalarAsync(nodes[0], "SELECT COUNT(*) FROM schema_versions"));
        Assert.All(await Task.WhenAll(nodes.Select(node => node.GetSchemaVersionAsync("runs"))), version => Assert.Equal(2, version));
    }

    [Fact]
    public async Task GetSchemaVersionAsync_NeverMigrated_IsZero()
    {
        // Arrange
        var database = await _backend.CreateDatabaseAsync();

        // Act
        var version = await database.GetSchemaVersionAsync("items");

        // Assert
        Assert.Equal(0, version);
    }

    private protected abstract SqlBackend CreateBackend();

    private protected Task<StorageDatabase> CreateDatabaseAsync() => _backend.CreateDatabaseAsync();

    /// <summary>Occupies the writer with a write that waits for <see cref="WriterGate.Release"/>; returns once it runs.</summary>
    /// <summary>Holds every writer of <paramref name="database"/> busy, one after another, so later writes queue.</summary>
    private protected static async Task<WriterGate> HoldWriterAsync(StorageDatabase database)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writes = new List<Task<int>>();
        for (var i = 0; i < database.Dialect.Writers; i++)
        {
            // One at a time: the next blocking write can only go to a writer that is still free.
            var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            writes.Add(database.WriteAsync(async (_, _) =>
            {
                running.SetResult();
                await release.Task;
                return 0;
            }));
            await running.Task;
        }

        return new WriterGate(release, Task.WhenAll(writes));
    }

    private protected static async Task<long> ScalarAsync(StorageDatabase database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = StorageDatabase.CreateCommand(connection, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<Exception?> OutcomeAsync(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private async Task<StorageDatabase> CreateItemsDatabaseAsync()
    {
        var database = await _backend.CreateDatabaseAsync();
        await database.MigrateAsync(ItemsComponent, ItemsSchema);
        return database;
    }

    private static Task<int> InsertAsync(StorageDatabase database, int id, CancellationToken cancellationToken = default) =>
        database.WriteAsync((connection, transaction) => InsertAsync(connection, transaction, id), cancellationToken);

    private static async Task<int> InsertAsync(DbConnection connection, DbTransaction transaction, int id)
    {
        await using var command = StorageDatabase.CreateCommand(connection, "INSERT INTO items (id, note) VALUES (@id, @note)", transaction);
        var parameter = command.CreateParameter();
        parameter.ParameterName = "id";
        parameter.Value = id;
        command.Parameters.Add(parameter);
        var note = command.CreateParameter();
        note.ParameterName = "note";
        note.Value = $"item {id}";
        command.Parameters.Add(note);
        return await command.ExecuteNonQueryAsync();
    }

    private static Task<long> CountItemsAsync(StorageDatabase database) => ScalarAsync(database, "SELECT COUNT(*) FROM items");

    private static async Task<int[]> ItemIdsAsync(StorageDatabase database)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = StorageDatabase.CreateCommand(connection, "SELECT id FROM items ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<int>();
        while (await reader.ReadAsync())
        {
            ids.Add(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture));
        }

        return [.. ids];
    }

    /// <summary>A write holding the writer busy; disposing releases it (if the test has not) and awaits its commit.</summary>
    private protected sealed class WriterGate(TaskCompletionSource release, Task write) : IAsyncDisposable
    {
        public void Release() => release.TrySetResult();

        public async ValueTask DisposeAsync()
        {
            Release();
            await write;
        }
    }
}

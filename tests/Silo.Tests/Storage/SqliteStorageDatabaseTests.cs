using Microsoft.Data.Sqlite;
using PredictionCache.Silo.Storage;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>The <see cref="StorageDatabase"/> contract on SQLite, and the durability settings of its writer.</summary>
public sealed class SqliteStorageDatabaseTests : StorageDatabaseContractTests
{
    private readonly SqliteBackend _sqlite = new();

    [Fact]
    public async Task MigrateAsync_NewFile_SwitchesItToWalJournalMode()
    {
        // Arrange
        var database = await CreateDatabaseAsync();

        // Act
        await database.MigrateAsync("runs", ["CREATE TABLE runs (id INTEGER)"]);

        // Assert: the journal mode is the file's, seen from a connection of its own.
        Assert.Equal("wal", await JournalModeAsync());
    }

    [Fact]
    public async Task WriteAsync_NewFileNeverMigrated_WriterSwitchesItToWal()
    {
        // Arrange
        var database = await CreateDatabaseAsync();

        // Act
        await database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = StorageDatabase.CreateCommand(connection, "CREATE TABLE runs (id INTEGER)", transaction);
            return await command.ExecuteNonQueryAsync();
        });

        // Assert
        Assert.Equal("wal", await JournalModeAsync());
    }

    [Fact]
    public async Task WriteAsync_WriterConnection_SynchronousIsFull()
    {
        // Arrange
        var database = await CreateDatabaseAsync();

        // Act
        var synchronous = await database.WriteAsync(async (connection, transaction) =>
        {
            await using var command = StorageDatabase.CreateCommand(connection, "PRAGMA synchronous", transaction);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        });

        // Assert: 2 is FULL, a commit is on disk before it is acknowledged.
        Assert.Equal(2, synchronous);
    }

    private protected override SqlBackend CreateBackend() => _sqlite;

    private async Task<string> JournalModeAsync()
    {
        await using var connection = new SqliteConnection(_sqlite.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        return (string)(await command.ExecuteScalarAsync())!;
    }
}

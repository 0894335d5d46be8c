using Npgsql;
using PredictionCache.TestKit;

namespace PredictionCache.Silo.Tests;

/// <summary>The throwaway PostgreSQL server storage tests run against: real, one database per test, gone after dispose.</summary>
public sealed class PostgresServerTests
{
    [Fact]
    public async Task CreateDatabase_TwiceOnSharedServer_GivesSeparateUsableDatabases()
    {
        // Arrange
        var server = await PostgresServer.SharedAsync();
        var first = await server.CreateDatabaseAsync();
        var second = await server.CreateDatabaseAsync();

        // Act
        await ExecuteAsync(first, "CREATE TABLE probe (id int PRIMARY KEY)");
        await ExecuteAsync(first, "INSERT INTO probe VALUES (1), (2)");

        // Assert
        Assert.NotEqual(first, second);
        Assert.Equal(2L, await ScalarAsync<long>(first, "SELECT count(*) FROM probe"));
        Assert.Equal(0L, await ScalarAsync<long>(second, "SELECT count(*) FROM pg_tables WHERE tablename = 'probe'"));
        await ExecuteAsync(second, "CREATE TABLE probe (id int PRIMARY KEY)");
        Assert.Equal(0L, await ScalarAsync<long>(second, "SELECT count(*) FROM probe"));
    }

    [Fact]
    public async Task CreateDatabase_GivenName_ConnectsToThatDatabase()
    {
        // Arrange
        var server = await PostgresServer.SharedAsync();
        var name = $"named_{Guid.NewGuid():N}";

        // Act
        var connectionString = await server.CreateDatabaseAsync(name);

        // Assert
        Assert.Equal(name, await ScalarAsync<string>(connectionString, "SELECT current_database()"));
    }

    [Fact]
    public async Task SharedAsync_ServerReportsPostgreSqlVersion()
    {
        // Arrange
        var server = await PostgresServer.SharedAsync();

        // Act
        var version = await ScalarAsync<string>(server.ConnectionString, "SELECT version()");

        // Assert
        Assert.StartsWith("PostgreSQL ", version, StringComparison.Ordinal);
        Assert.Same(server, await PostgresServer.SharedAsync());
    }

    [Fact]
    public async Task DisposeAsync_OwnServer_StopsServerAndDeletesDirectory()
    {
        // Arrange
        var server = await PostgresServer.StartAsync(new PostgresServerOptions { MaxConnections = 20 });
        var connectionString = await server.CreateDatabaseAsync();
        Assert.Equal(1, await ScalarAsync<int>(connectionString, "SELECT 1"));
        var directory = server.DirectoryPath;
        Assert.True(Directory.Exists(directory));

        // Act
        await server.DisposeAsync();
        await server.DisposeAsync();

        // Assert
        Assert.False(Directory.Exists(directory));
        // Only this server had the database: had another server taken the port, the error would come from it
        // (a PostgresException), not from the connection.
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        var failure = await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync<int>(unpooled, "SELECT 1"));
        Assert.IsNotType<PostgresException>(failure);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => server.CreateDatabaseAsync());
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

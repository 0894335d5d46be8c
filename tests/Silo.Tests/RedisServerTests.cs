using PredictionCache.TestKit;
using StackExchange.Redis;

namespace PredictionCache.Silo.Tests;

/// <summary>The throwaway Redis server the cluster tests run against: real, on its own port, its data kept across an outage, gone after dispose.</summary>
public sealed class RedisServerTests
{
    [Fact]
    public async Task StopThenRestart_KeepsTheDataOnTheSamePort_AndDisposeDeletesIt()
    {
        // Arrange
        var server = await RedisServer.StartAsync();
        try
        {
            await using (var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString))
            {
                await connection.GetDatabase().StringSetAsync("probe", "kept");
            }

            // Act
            await server.StopAsync();
            var refusedWhileStopped = !await AnswersAsync(server.ConnectionString);
            await server.RestartAsync();

            // Assert
            Assert.True(refusedWhileStopped);
            await using var again = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
            Assert.Equal("kept", (string?)await again.GetDatabase().StringGetAsync("probe"));
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.False(Directory.Exists(server.Directory));
        Assert.False(await AnswersAsync(server.ConnectionString));
    }

    private static async Task<bool> AnswersAsync(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = 1000;
        options.ConnectRetry = 0;
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
            return true;
        }
        catch (RedisConnectionException)
        {
            return false;
        }
    }
}

namespace PredictionCache.TestKit;

/// <summary>The one server a test process shares.</summary>
public sealed partial class PostgresServer
{
    // Lazy runs the start once however many tests ask at once; a failed start stays failed, so every test
    // reports the same cause at once instead of each waiting out its own start.
    private static readonly Lazy<Task<PostgresServer>> Shared =
        new(() => Task.Run(() => StartCoreAsync(new PostgresServerOptions(), shared: true, CancellationToken.None)));

    /// <summary>
    /// The server shared by every test of this process, started on the first call and stopped and deleted when the
    /// process exits. Tests take a database each: <c>await (await PostgresServer.SharedAsync()).CreateDatabaseAsync()</c>.
    /// </summary>
    public static Task<PostgresServer> SharedAsync() => Shared.Value;
}

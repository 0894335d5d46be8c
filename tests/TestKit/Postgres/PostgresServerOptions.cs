namespace PredictionCache.TestKit;

/// <summary>How <see cref="PostgresServer.StartAsync"/> configures a throwaway PostgreSQL server.</summary>
public sealed class PostgresServerOptions
{
    /// <summary>Whether the server keeps PostgreSQL's durability settings.</summary>
    /// <value>
    /// False (default): <c>fsync</c>, <c>synchronous_commit</c> and <c>full_page_writes</c> are off, which is fast
    /// and fine for data thrown away after the run. True: PostgreSQL's defaults, for benchmarks that must pay what
    /// production pays for a commit.
    /// </value>
    public bool Durable { get; set; }

    /// <summary>The server's <c>max_connections</c>.</summary>
    /// <value>Connections, 1 or more; default 200, room for every test's pool at once.</value>
    public int MaxConnections { get; set; } = 200;
}

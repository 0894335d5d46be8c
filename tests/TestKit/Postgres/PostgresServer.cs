using System.Net;
using System.Text;
using Npgsql;

namespace PredictionCache.TestKit;

/// <summary>
/// A real, throwaway PostgreSQL server for tests: <c>initdb</c> in a fresh temporary directory, started with
/// <c>pg_ctl</c> on a free loopback port, stopped and deleted by <see cref="DisposeAsync"/>. Each test makes its own
/// database with <see cref="CreateDatabaseAsync"/>; most share one server per test process through
/// <see cref="SharedAsync"/>.
/// </summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    private const string DatabaseUser = "postgres";

    private readonly PostgresWatchdog _watchdog;
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _shared;
    private readonly Lock _stopGate = new();
    private Task? _stop;

    private PostgresServer(PostgresWatchdog watchdog, string directoryPath, int port, bool shared)
    {
        _watchdog = watchdog;
        _shared = shared;
        DirectoryPath = directoryPath;
        Port = port;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = IPAddress.Loopback.ToString(),
            Port = port,
            Username = DatabaseUser,
            Database = "postgres",
            Pooling = true,
        }.ConnectionString;
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
        // A server nobody disposes must not outlive the test process.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>The temporary directory holding the data directory, the server log and the Unix socket; deleted on dispose.</summary>
    public string DirectoryPath { get; }

    /// <summary>The loopback TCP port the server listens on.</summary>
    public int Port { get; }

    /// <summary>Connects to the <c>postgres</c> database as the superuser <c>postgres</c> (trust authentication).</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// Creates a server of its own, which the caller stops with <see cref="DisposeAsync"/>. Throws
    /// <see cref="PostgresServerException"/> when the programs are missing or the server does not start.
    /// </summary>
    public static Task<PostgresServer> StartAsync(PostgresServerOptions? options = null, CancellationToken cancellationToken = default) =>
        StartCoreAsync(options ?? new PostgresServerOptions(), shared: false, cancellationToken);

    /// <summary>
    /// Creates an empty database (named <c>t_&lt;guid&gt;</c> unless <paramref name="name"/> is given) and returns the
    /// connection string for it.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _stop) is not null, this);
        name ??= $"t_{Guid.NewGuid():N}";
        // PostgreSQL silently cuts longer names to 63 bytes, and the returned string would name another database.
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > 63 || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A database name is 1 to 63 bytes of UTF-8 without NUL; got '{name}'.", nameof(name));
        }

        // CREATE DATABASE takes no parameters; the name goes in as a quoted identifier.
        await using var command = _dataSource.CreateCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"");
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Stops the server (<c>pg_ctl stop -m immediate</c>) and deletes its directory; later calls return the first
    /// call's task. Does nothing on the <see cref="SharedAsync"/> server, which the process exit stops.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        if (_shared)
        {
            return ValueTask.CompletedTask;
        }

        lock (_stopGate)
        {
            _stop ??= StopAsync();
            return new ValueTask(_stop);
        }
    }
}

using System.Net;
using System.Net.Sockets;

namespace PredictionCache.TestKit;

/// <summary>Starting: initdb, then pg_ctl start on a free loopback port, with the watchdog set before either.</summary>
public sealed partial class PostgresServer
{
    private const int StartAttempts = 5;
    private const int LogTailLines = 40;

    private static async Task<PostgresServer> StartCoreAsync(PostgresServerOptions options, bool shared, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConnections, 1, nameof(options.MaxConnections));
        var binaries = PostgresBinaries.Locate();
        var directory = Directory.CreateTempSubdirectory("predictioncache-pg-").FullName;
        PostgresWatchdog watchdog;
        try
        {
            watchdog = PostgresWatchdog.Start(binaries, directory);
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }

        try
        {
            if (binaries.RunAsServiceUser)
            {
                // The server writes its data, log and socket here, as the service user.
                await ProcessRunner.RunAsync("chown", [$"{PostgresBinaries.ServiceUser}:", directory], directory, cancellationToken);
            }

            await InitDbAsync(binaries, directory, cancellationToken);
            var port = await StartServerAsync(binaries, directory, options, cancellationToken);
            return new PostgresServer(watchdog, directory, port, shared);
        }
        catch
        {
            await CleanUpFailedStartAsync(watchdog);
            throw;
        }
    }

    /// <summary>The start's own exception is the one worth reporting; a cleanup failure only goes to stderr.</summary>
    private static async Task CleanUpFailedStartAsync(PostgresWatchdog watchdog)
    {
        try
        {
            await watchdog.StopAsync();
        }
        catch (PostgresServerException e)
        {
            await Console.Error.WriteLineAsync($"PostgresServer: cleanup after a failed start: {e.Message}");
        }
        finally
        {
            watchdog.Dispose();
        }
    }

    private static async Task InitDbAsync(PostgresBinaries binaries, string directory, CancellationToken cancellationToken)
    {
        var (fileName, arguments) = binaries.Command(
            "initdb", "-D", Path.Combine(directory, "data"), "-U", DatabaseUser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync");
        try
        {
            await ProcessRunner.RunAsync(fileName, arguments, directory, cancellationToken);
        }
        catch (CommandFailedException e)
        {
            throw new PostgresServerException($"initdb could not create a data directory in {directory}: {e.Message}", e);
        }
    }

    private static async Task<int> StartServerAsync(
        PostgresBinaries binaries, string directory, PostgresServerOptions options, CancellationToken cancellationToken)
    {
        var logPath = Path.Combine(directory, "log");
        for (var attempt = 1; ; attempt++)
        {
            // Another process may take the port between our probe and the server's bind: then try a new one.
            var port = FreeLoopbackPort();
            File.Delete(logPath);
            var (fileName, arguments) = binaries.Command(
                "pg_ctl", "-D", Path.Combine(directory, "data"), "-w", "-t", "60", "-l", logPath, "start", "-o", ServerOptions(directory, port, options));
            try
            {
                await ProcessRunner.RunAsync(fileName, arguments, directory, cancellationToken);
                return port;
            }
            catch (CommandFailedException e)
            {
                var log = await LogTailAsync(logPath);
                if (attempt < StartAttempts && log.Contains("Address already in use", StringComparison.Ordinal))
                {
                    continue;
                }

                throw new PostgresServerException(
                    $"PostgreSQL did not start on 127.0.0.1:{port} (attempt {attempt} of {StartAttempts}): {e.Message}"
                    + $"{Environment.NewLine}--- server log, last {LogTailLines} lines at most ---{Environment.NewLine}{log}",
                    e);
            }
        }
    }

    private static string ServerOptions(string directory, int port, PostgresServerOptions options)
    {
        // pg_ctl hands this string to /bin/sh, so the one path in it is single-quoted for the shell.
        var socketDirectory = "'" + directory.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var settings = $"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={socketDirectory} -c max_connections={options.MaxConnections}";
        return options.Durable ? settings : settings + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static async Task<string> LogTailAsync(string logPath)
    {
        if (!File.Exists(logPath))
        {
            return "(no server log was written)";
        }

        var lines = await File.ReadAllLinesAsync(logPath, CancellationToken.None);
        return string.Join(Environment.NewLine, lines.TakeLast(LogTailLines));
    }
}

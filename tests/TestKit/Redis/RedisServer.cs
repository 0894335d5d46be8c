using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace PredictionCache.TestKit;

/// <summary>
/// A throwaway <c>redis-server</c> on a free loopback port, for the cluster tests (Orleans' Redis membership and grain
/// directory), keeping an append-only file in a directory of its own. It runs under a shell that holds the read end of
/// a pipe from this process: when the pipe closes (<see cref="DisposeAsync"/>, or this process ending however it ends)
/// the shell kills the server and deletes its directory, so no server outlives the test run. <see cref="StopAsync"/>
/// (a kill, the data kept) and <see cref="RestartAsync"/> on the same port and data model an outage.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>The binary: <c>REDIS_SERVER</c>, else Debian's <c>redis-server</c> (scripts/test.sh installs it when missing).</summary>
    public static string Binary => Environment.GetEnvironmentVariable("REDIS_SERVER") is { Length: > 0 } path ? path : "/usr/bin/redis-server";

    // $1 the directory, the rest the server's command line. The server runs in the background; `read` blocks until the
    // test process writes a line or the pipe closes. Then the server is killed, as a crash would, and its directory is
    // removed unless the line was "keep" (an outage: a restart reloads the append-only file, as a production Redis would).
    private const string Script = """
        dir=$1
        shift
        "$@" &
        server=$!
        read -r how
        kill -9 "$server" 2>/dev/null
        wait "$server" 2>/dev/null
        if [ "$how" != keep ]; then rm -rf -- "$dir"; fi
        """;

    private Process? _process;

    private RedisServer(int port)
    {
        Port = port;
        Directory = System.IO.Directory.CreateTempSubdirectory("predictioncache-redis-").FullName;
    }

    /// <summary>Where the server keeps its append-only file.</summary>
    public string Directory { get; }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>The connection string for StackExchange.Redis (and Orleans' Redis providers).</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>Starts a server on a free port and waits until it answers <c>PING</c>.</summary>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = new RedisServer(FreePorts.Next());
        try
        {
            await server.RestartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server (again) on <see cref="Port"/> with the data it had, and waits until it answers <c>PING</c>.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("The Redis server is running.");
        }

        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: install Debian's redis-server (scripts/test.sh does) or set REDIS_SERVER.");
        }

        var directory = Directory;
        var startInfo = new ProcessStartInfo("sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        var port = Port.ToString(CultureInfo.InvariantCulture);
        foreach (var argument in (string[])["-c", Script, "redis-watchdog", directory, Binary, "--port", port, "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "yes", "--appendfsync", "no", "--dir", directory, "--loglevel", "warning"])
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start {Binary}: {e.Message}", e);
        }

        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await TestWait.ForAsync(WaitUntilAnswersAsync(cancellationToken), $"redis-server on port {port} to answer");
    }

    /// <summary>Kills the server, as a crash would, and waits until it is gone; its data stays for <see cref="RestartAsync"/>.</summary>
    public Task StopAsync() => EndAsync(keep: true);

    /// <summary>Kills the server and deletes its data.</summary>
    public async ValueTask DisposeAsync()
    {
        await EndAsync(keep: false);
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private async Task EndAsync(bool keep)
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        try
        {
            if (keep)
            {
                await process.StandardInput.WriteLineAsync("keep");
            }

            process.StandardInput.Close();
            await TestWait.ForAsync(process.WaitForExitAsync(), "redis-server to stop");
        }
        finally
        {
            process.Dispose();
        }
    }

    private async Task WaitUntilAnswersAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process is { HasExited: true } exited)
            {
                throw new InvalidOperationException($"redis-server exited with code {exited.ExitCode} before it answered (port {Port} taken?).");
            }

            if (await AnswersPingAsync(cancellationToken))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    private async Task<bool> AnswersPingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, cancellationToken);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}

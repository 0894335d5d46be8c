using System.ComponentModel;
using System.Diagnostics;

namespace PredictionCache.TestKit;

/// <summary>
/// A detached shell that owns a server's teardown: it blocks reading its standard input, and when that closes it
/// stops the server (<c>pg_ctl stop -m immediate</c>) and deletes the directory. We close the pipe to stop the
/// server; the kernel closes it when the test process ends, however it ends. That matters because <c>dotnet
/// test</c> kills the test host 100 ms after the run (VSTEST_TESTHOST_SHUTDOWN_TIMEOUT), before a ProcessExit
/// handler can finish a stop, and a hang or a crash skips the handlers altogether.
/// </summary>
internal sealed class PostgresWatchdog : IDisposable
{
    /// <summary>Exit code of the script when the server is still running after the stop: its files are kept.</summary>
    private const int StillRunning = 3;

    // Output goes nowhere: once the test process is gone nobody reads a pipe, and a write to it would kill the script.
    // $1 is the directory, the rest is the stop command, so nothing is quoted into the script. A pid file whose
    // process is gone (a start killed on cancellation) does not keep the directory.
    private const string Script = """
        exec >/dev/null 2>&1
        cat
        dir=$1
        shift
        pidfile=$dir/data/postmaster.pid
        if [ -e "$pidfile" ]; then "$@"; fi
        if [ -e "$pidfile" ] && kill -0 "$(head -n 1 "$pidfile")"; then exit 3; fi
        rm -rf -- "$dir"
        """;

    private readonly Process _process;
    private readonly string _directory;

    private PostgresWatchdog(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    /// <summary>Starts watching <paramref name="directory"/>; call before anything is created in it.</summary>
    public static PostgresWatchdog Start(PostgresBinaries binaries, string directory)
    {
        var (stopFileName, stopArguments) = binaries.Command(
            "pg_ctl", "-D", Path.Combine(directory, "data"), "-w", "-t", "60", "-m", "immediate", "stop");
        // setsid: its own session, so a Ctrl+C aimed at the test run does not kill the cleanup with it.
        var startInfo = new ProcessStartInfo("setsid")
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in (string[])["--wait", "sh", "-c", Script, "postgres-watchdog", directory, stopFileName, .. stopArguments])
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
            throw new PostgresServerException($"Could not start the cleanup watchdog (setsid, sh) for {directory}: {e.Message}", e);
        }

        return new PostgresWatchdog(process, directory);
    }

    /// <summary>Tells the watchdog to stop the server and delete the directory, without waiting.</summary>
    public void Signal() => _process.StandardInput.Close();

    /// <summary>Stops the server, deletes the directory and waits for both; throws when either did not happen.</summary>
    public async Task StopAsync()
    {
        Signal();
        await _process.WaitForExitAsync();
        if (_process.ExitCode == StillRunning)
        {
            throw new PostgresServerException(
                $"PostgreSQL in {_directory} did not stop on `pg_ctl stop -m immediate`; its directory is kept for a look.");
        }

        if (_process.ExitCode != 0 || Directory.Exists(_directory))
        {
            throw new PostgresServerException(
                $"PostgreSQL stopped, but its directory {_directory} could not be deleted (exit code {_process.ExitCode}).");
        }
    }

    /// <summary>Signals the watchdog and waits up to <paramref name="timeout"/> for it, blocking: for process exit handlers.</summary>
    public bool StopAndWait(TimeSpan timeout)
    {
        Signal();
        return _process.WaitForExit(timeout);
    }

    public void Dispose() => _process.Dispose();
}

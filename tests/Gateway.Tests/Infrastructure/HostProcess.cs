using System.Diagnostics;
using System.Text;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>
/// One of the product's hosts as its own process: <c>dotnet &lt;dll&gt;</c> from this test assembly's output folder, where
/// the project references copy the gateway (<see cref="GatewayProcess"/>) and the grain-tier silo
/// (<c>PredictionCache.Silo.dll</c>), in Production, its output captured. Killed with SIGKILL on dispose.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    // Only a guard against a hang: on a shared two-core machine a start (an Orleans silo joining a cluster) can take much
    // longer than the few seconds it takes alone.
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly Process _process;
    private readonly StringBuilder _output;
    private int _disposed;

    private HostProcess(Process process, StringBuilder output)
    {
        _process = process;
        _output = output;
    }

    /// <summary>What the process printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>True once the process has ended (killed, or crashed by itself).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The path of <paramref name="dll"/> in this test assembly's output folder; fails the test when it (or its runtimeconfig.json) is missing.</summary>
    public static string BuiltNextToTests(string dll)
    {
        var path = Path.Combine(AppContext.BaseDirectory, dll);
        Assert.True(File.Exists(path), $"{dll} is not built next to the tests: {path} is missing.");
        Assert.True(File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")), $"{Path.GetFileNameWithoutExtension(dll)}.runtimeconfig.json is missing.");
        return path;
    }

    /// <summary>
    /// Starts <paramref name="dll"/> with <paramref name="arguments"/> and returns once the host says it started
    /// (Microsoft.Hosting.Lifetime's "Application started": a gateway's Kestrel listens and a silo has joined its cluster
    /// by then, since the Orleans hosted service starts first). <paramref name="what"/> names it in failures.
    /// </summary>
    public static async Task<HostProcess> StartAsync(string dll, string what, string[] arguments)
    {
        var output = new StringBuilder();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Launch(dll, arguments, output, line =>
        {
            // An event, so nothing polls a port that is not open yet.
            if (line.Contains("Application started", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        });
        process.Exited += (_, _) => started.TrySetException(new InvalidOperationException($"The {what} exited with code {process.ExitCode} before it started."));
        var host = new HostProcess(process, output);
        try
        {
            await started.Task.WaitAsync(StartTimeout);
            return host;
        }
        catch (Exception ex)
        {
            var log = host.Output;
            await host.DisposeAsync();
            throw new InvalidOperationException($"The {what} did not start: {ex.Message}\n{log}", ex);
        }
    }

    /// <summary>
    /// Runs <c>dotnet <paramref name="dll"/></c> from this folder, in Production, logging when it has started; every line it
    /// prints goes to <paramref name="output"/> and <paramref name="onLine"/>.
    /// </summary>
    public static Process Launch(string dll, string[] arguments, StringBuilder output, Action<string> onLine)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = AppContext.BaseDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add("--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        DataReceivedEventHandler record = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            onLine(e.Data);
        };
        process.OutputDataReceived += record;
        process.ErrorDataReceived += record;
        Assert.True(process.Start(), $"{Path.GetFileName(dll)} did not start.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// Kills the process with SIGKILL (what <see cref="Process.Kill(bool)"/> sends on Unix): no shutdown code runs, as
    /// in a crash or an OOM kill. Returns the exit code once the process is gone (137 = 128 + SIGKILL).
    /// </summary>
    public async Task<int> KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(GatewayHttp.HangGuard);
        return _process.ExitCode;
    }

    /// <summary>Kills the process; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}

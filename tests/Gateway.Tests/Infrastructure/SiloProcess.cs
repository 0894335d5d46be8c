using System.Diagnostics;
using System.Text;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>
/// A grain-tier node as its own process: <c>dotnet PredictionCache.Silo.dll</c> (<c>src/Silo</c>: a silo, no HTTP), run
/// from this test assembly's output folder, where the gateway's project reference copies it. The settings
/// of <see cref="StartAsync"/> give it its cluster, ports, storage and models as they would a gateway. Killed on dispose.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    // Only a guard against a hang, as the gateway's.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly Process _process;
    private readonly StringBuilder _output;
    private int _disposed;

    private SiloProcess(Process process, StringBuilder output)
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

    public static string SiloDll
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "PredictionCache.Silo.dll");
            Assert.True(File.Exists(path), $"The silo is not built next to the tests: {path} is missing.");
            Assert.True(File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")), "The silo's runtimeconfig.json is missing.");
            return path;
        }
    }

    /// <summary>
    /// Starts the silo and returns once the host says it started: its silo has then joined the cluster as active (the
    /// Orleans hosted service starts before the host reports it). <paramref name="settings"/> are command-line arguments.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(params string[] settings)
    {
        var output = new StringBuilder();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string[] arguments = ["--Logging:LogLevel:Orleans.Runtime.Watchdog=Error", .. settings];
        var process = GatewayProcess.Launch(SiloDll, arguments, output, line =>
        {
            if (line.Contains("Application started", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        });
        process.Exited += (_, _) => started.TrySetException(new InvalidOperationException($"The silo exited with code {process.ExitCode} before it started."));
        var silo = new SiloProcess(process, output);
        try
        {
            await started.Task.WaitAsync(StartTimeout);
            return silo;
        }
        catch (Exception ex)
        {
            var log = silo.Output;
            await silo.DisposeAsync();
            throw new InvalidOperationException($"The silo did not start: {ex.Message}\n{log}", ex);
        }
    }

    /// <summary>Kills the process with SIGKILL, as <see cref="GatewayProcess.KillAsync"/> does; returns its exit code.</summary>
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
}

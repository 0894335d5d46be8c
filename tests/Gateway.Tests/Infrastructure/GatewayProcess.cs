using System.Diagnostics;
using System.Net;
using System.Text;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway as its own process: <c>dotnet PredictionCache.Gateway.dll --urls http://127.0.0.1:{free port}</c>,
/// run from this test assembly's output folder, where the project reference copies the gateway's build output
/// (dll, deps.json, runtimeconfig.json, appsettings.json). Its silo gets a free port of its own and no client gateway. Unless its settings name another, each process gets a SQLite
/// database of its own in a temporary directory deleted on dispose, never the shared default under <c>./data/</c>.
/// Killed on dispose.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    // Only a guard against a hang: on a shared two-core machine a start (an Orleans silo joining a cluster) can take much
    // longer than the few seconds it takes alone.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly Process _process;
    private readonly StringBuilder _output;

    private readonly TempDirectory _scratch;
    private int _disposed;

    private GatewayProcess(Process process, StringBuilder output, Uri address, TempDirectory scratch)
    {
        _process = process;
        _output = output;
        _scratch = scratch;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = GatewayHttp.HangGuard };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>True once the process has ended (killed, or crashed by itself).</summary>
    public bool HasExited => _process.HasExited;

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

    public static string GatewayDll
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "PredictionCache.Gateway.dll");
            Assert.True(File.Exists(path), $"The gateway is not built next to the tests: {path} is missing.");
            Assert.True(File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")), "The gateway's runtimeconfig.json is missing.");
            return path;
        }
    }

    /// <summary>
    /// Starts the gateway and returns once it has said it started and <c>/health</c> answers 200. <paramref name="settings"/>
    /// are command-line arguments (<c>--Key=value</c>); they come last, so they win over the defaults given here.
    /// </summary>
    public static Task<GatewayProcess> StartAsync(params string[] settings) =>
        StartAsync(new Uri($"http://127.0.0.1:{FreePorts.Next()}"), settings);

    /// <summary>
    /// Starts the gateway on <paramref name="address"/> (e.g. again on the port of one that was killed), as
    /// <see cref="StartAsync(string[])"/> does.
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(Uri address, params string[] settings)
    {
        ArgumentNullException.ThrowIfNull(address);
        var output = new StringBuilder();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scratch = new TempDirectory();
        var process = Launch(GatewayDll, ["--urls", address.ToString().TrimEnd('/'), .. DefaultSettings(scratch), .. settings], output, line =>
        {
            // Microsoft.Hosting.Lifetime logs this once Kestrel listens: an event, so nothing polls a closed port.
            if (line.Contains("Application started", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        });
        process.Exited += (_, _) => started.TrySetException(new InvalidOperationException($"The gateway exited with code {process.ExitCode} before it started."));
        var gateway = new GatewayProcess(process, output, address, scratch);
        try
        {
            await started.Task.WaitAsync(StartTimeout);
            await gateway.WaitForHealthAsync();
            return gateway;
        }
        catch (Exception ex)
        {
            var log = gateway.Output;
            await gateway.DisposeAsync();
            throw new InvalidOperationException($"The gateway did not start: {ex.Message}\n{log}", ex);
        }
    }

    /// <summary>Runs the gateway until it exits by itself (e.g. on a bad option); returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(params string[] settings)
    {
        var output = new StringBuilder();
        using var scratch = new TempDirectory();
        using var process = Launch(GatewayDll, ["--urls", $"http://127.0.0.1:{FreePorts.Next()}", .. DefaultSettings(scratch), .. settings], output, _ => { });
        try
        {
            await process.WaitForExitAsync().WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        // WaitForExitAsync returns after the redirected streams reached their end, so the output is complete.
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
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

    /// <summary>Kills the process and deletes its own temporary directory; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Client.Dispose();
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
            _scratch.Dispose();
        }
    }

    /// <summary>
    /// Runs <c>dotnet <paramref name="dll"/></c> (the gateway, or another host built next to it such as the silo) from this
    /// folder, in Production, logging when it has started; every line it prints goes to <paramref name="output"/> and
    /// <paramref name="onLine"/>.
    /// </summary>
    internal static Process Launch(string dll, string[] arguments, StringBuilder output, Action<string> onLine)
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

    // A silo port of its own and no client gateway: two silos on one port both start and silently share it (SO_REUSEPORT).
    private static string[] DefaultSettings(TempDirectory scratch) =>
    [
        $"--Storage:ConnectionString={scratch.SqliteConnectionString()}",
        $"--Orleans:Endpoints:SiloPort={FreePorts.Next()}",
        "--Orleans:Endpoints:GatewayPort=0",
    ];

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private async Task WaitForHealthAsync()
    {
        // Kestrel listens before "Application started" is logged, so the first try normally answers; the few
        // retries only absorb a refused connection, and each is an immediate new request, not a timed wait.
        HttpRequestException? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                using var response = await Client.GetAsync(new Uri("/health", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return;
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError)
            {
                last = ex;
            }
        }

        throw new InvalidOperationException("The gateway's /health did not answer.", last);
    }
}

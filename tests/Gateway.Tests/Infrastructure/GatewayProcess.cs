using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway as its own process: <c>dotnet PredictionCache.Gateway.dll --urls http://127.0.0.1:{free port}</c>,
/// run from this test assembly's output folder, where the project reference copies the gateway's build output
/// (dll, deps.json, runtimeconfig.json, appsettings.json). Killed on dispose. Unless the settings name a storage
/// connection string, it runs on the default provider (SQLite) in a database file of its own, deleted on dispose.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private static readonly Lazy<string> DataRoot = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), "predictioncache-gateway-tests-" + Environment.ProcessId);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // A gateway still closing its file: the temp folder is the system's to clean.
            }
        };
        return root;
    });

    private readonly Process _process;
    private readonly StringBuilder _output;

    private GatewayProcess(Process process, StringBuilder output, Uri address)
    {
        _process = process;
        _output = output;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = GatewayHttp.HangGuard };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

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

    /// <summary>Starts the gateway and returns once it has said it started and <c>/health</c> answers 200.</summary>
    public static async Task<GatewayProcess> StartAsync(params string[] settings)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var output = new StringBuilder();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Launch(["--urls", address.ToString().TrimEnd('/'), .. settings], output, line =>
        {
            // Microsoft.Hosting.Lifetime logs this once Kestrel listens: an event, so nothing polls a closed port.
            if (line.Contains("Application started", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        });
        process.Exited += (_, _) => started.TrySetException(new InvalidOperationException($"The gateway exited with code {process.ExitCode} before it started."));
        var gateway = new GatewayProcess(process, output, address);
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
        using var process = Launch(["--urls", $"http://127.0.0.1:{FreePort()}", .. settings], output, _ => { });
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

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(GatewayHttp.HangGuard);
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static Process Launch(string[] arguments, StringBuilder output, Action<string> onLine)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = AppContext.BaseDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(GatewayDll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (!arguments.Any(a => a.Contains("Storage:ConnectionString", StringComparison.OrdinalIgnoreCase)))
        {
            info.ArgumentList.Add($"--Storage:ConnectionString=Data Source={Path.Combine(OwnDataDirectory(), "gateway.db")}");
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
        Assert.True(process.Start(), "The gateway process did not start.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>A fresh folder under the temp folder; the whole run's folders go when the test process ends.</summary>
    private static string OwnDataDirectory()
    {
        var directory = Path.Combine(DataRoot.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

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

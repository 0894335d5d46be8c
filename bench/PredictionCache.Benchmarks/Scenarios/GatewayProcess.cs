using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// The real gateway as its own process: <c>dotnet PredictionCache.Gateway.dll</c> from the gateway's Release output
/// folder (built with the bench), with <c>--contentRoot</c> that folder (its shipped <c>appsettings.json</c>), a free
/// loopback <c>--urls</c> port, and an Orleans silo port of its own with no client gateway, so two gateways on one
/// machine never share Orleans ports (Orleans listens with SO_REUSEPORT: a shared port starts without an error).
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;

    private GatewayProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>The gateway's Release output folder: <c>src/Gateway/bin/Release/net10.0</c> of this repository.</summary>
    public static string OutputFolder => Path.Combine(RepositoryRoot, "src", "Gateway", "bin", "Release", "net10.0");

    /// <summary>The repository root: the first folder above this program holding <c>PredictionCache.sln</c>.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "PredictionCache.sln")))
                {
                    return folder.FullName;
                }
            }

            throw new InvalidOperationException($"No PredictionCache.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>Starts the gateway with <paramref name="settings"/> (<c>--Key=value</c>); returns once the process runs (not yet ready).</summary>
    public static GatewayProcess Start(params string[] settings) => StartIn(OutputFolder, settings);

    /// <summary>
    /// Starts the gateway of <paramref name="output"/> (a build or publish folder) with <paramref name="settings"/>, its
    /// content root that folder; the process inherits this one's environment (e.g. <c>DOTNET_TieredPGO</c>).
    /// </summary>
    public static GatewayProcess StartIn(string output, params string[] settings)
    {
        var dll = Path.Combine(output, "PredictionCache.Gateway.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the bench (it builds the gateway) in Release.");
        }

        var port = FreePorts.Next();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = output,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--contentRoot");
        info.ArgumentList.Add(output);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.ArgumentList.Add($"--Orleans:Endpoints:SiloPort={FreePorts.Next().ToString(CultureInfo.InvariantCulture)}");
        info.ArgumentList.Add("--Orleans:Endpoints:GatewayPort=0");
        info.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        foreach (var setting in settings)
        {
            info.ArgumentList.Add(setting);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("The gateway did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("gateway: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new GatewayProcess(process, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>Starts the gateway and waits until it is ready.</summary>
    public static async Task<GatewayProcess> StartReadyAsync(params string[] settings)
    {
        var gateway = Start(settings);
        try
        {
            await gateway.WaitUntilReadyAsync(Stopwatch.StartNew());
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Asks <c>/health/ready</c> until it answers 200; returns the time on <paramref name="clock"/>. An external
    /// process announces nothing else, so this polls, 1 ms apart: the resolution of the figure.
    /// </summary>
    public async Task<TimeSpan> WaitUntilReadyAsync(Stopwatch clock)
    {
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited with code {_process.ExitCode}.");
            }

            try
            {
                using var response = await Client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return clock.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(1);
        }

        throw new TimeoutException("The gateway was not ready within 120 s.");
    }

    /// <summary>POSTs <paramref name="text"/> to <c>/predict</c>; with <paramref name="wait"/>, waits up to 30 s for a miss's answer.</summary>
    public async Task<HttpResponseMessage> PredictAsync(string text, bool wait)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/predict", UriKind.Relative))
        {
            Content = new StringContent($$"""{"text":"{{text}}"}""", Encoding.UTF8, "application/json"),
        };
        if (wait)
        {
            request.Headers.Add("Prefer", "wait=30");
        }

        // Awaited here: the request (and its content) is disposed when this method returns.
        return await Client.SendAsync(request);
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public double ResidentMegabytes()
    {
        _process.Refresh();
        return _process.WorkingSet64 / (1024.0 * 1024.0);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

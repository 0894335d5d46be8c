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
    private readonly HostProcess _host;
    private readonly TempDirectory _scratch;
    private int _disposed;

    private GatewayProcess(HostProcess host, Uri address, TempDirectory scratch)
    {
        _host = host;
        _scratch = scratch;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = GatewayHttp.HangGuard };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>True once the process has ended (killed, or crashed by itself).</summary>
    public bool HasExited => _host.HasExited;

    /// <summary>What the process printed so far (for failure messages).</summary>
    public string Output => _host.Output;

    public static string GatewayDll => HostProcess.BuiltNextToTests("PredictionCache.Gateway.dll");

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
        var scratch = new TempDirectory();
        HostProcess host;
        try
        {
            host = await HostProcess.StartAsync(GatewayDll, "gateway", ["--urls", address.ToString().TrimEnd('/'), .. DefaultSettings(scratch), .. settings]);
        }
        catch
        {
            scratch.Dispose();
            throw;
        }

        var gateway = new GatewayProcess(host, address, scratch);
        try
        {
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
        using var process = HostProcess.Launch(GatewayDll, ["--urls", $"http://127.0.0.1:{FreePorts.Next()}", .. DefaultSettings(scratch), .. settings], output, _ => { });
        try
        {
            await process.WaitForExitAsync().WaitAsync(HostProcess.StartTimeout);
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

    /// <inheritdoc cref="HostProcess.KillAsync"/>
    public Task<int> KillAsync() => _host.KillAsync();

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
            await _host.DisposeAsync();
        }
        finally
        {
            _scratch.Dispose();
        }
    }

    // A silo port of its own and no client gateway: two silos on one port both start and silently share it (SO_REUSEPORT).
    private static string[] DefaultSettings(TempDirectory scratch) =>
    [
        $"--Storage:ConnectionString={scratch.SqliteConnectionString()}",
        $"--Orleans:Endpoints:SiloPort={FreePorts.Next()}",
        "--Orleans:Endpoints:GatewayPort=0",
    ];

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

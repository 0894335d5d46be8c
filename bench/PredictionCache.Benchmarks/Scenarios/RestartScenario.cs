using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// Restart-to-ready with a full table: the real gateway process is started on a database holding
/// <c>rows</c> stored entries (default 1,000,000) and timed until <c>/health/ready</c> answers 200 and until a
/// request for a stored input is a <c>HIT</c>. The rows are bulk-inserted with SQL; one of them is a real entry,
/// stored by an earlier run of the gateway, so the first request proves the entry came back without inference.
/// Also prints the process's resident memory once ready: start-up loads no entries.
/// </summary>
internal static class RestartScenario
{
    private const string Text = "restart bench: a stored input";

    public static async Task RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        Machine.PrintHeader($"restart: gateway process start-up with {rows:N0} stored entries");
        var file = Path.Combine(Path.GetTempPath(), $"pcache-restart-{Guid.NewGuid():N}.db");
        await using var postgres = await PostgresServer.StartAsync(new PostgresServerOptions { Durable = true });
        try
        {
            await MeasureAsync("sqlite", $"Data Source={file}", rows, FillSqliteAsync);
            await MeasureAsync("postgres", await postgres.CreateDatabaseAsync(), rows, FillPostgresAsync);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var path in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(file) + "*"))
            {
                File.Delete(path);
            }
        }
    }

    private static async Task MeasureAsync(string provider, string connectionString, int rows, Func<string, int, Task> fill)
    {
        string[] settings = [$"--Storage:Provider={provider}", $"--Storage:ConnectionString={connectionString}"];
        await using (var first = await GatewayRun.StartAsync(settings))
        {
            using var stored = await first.PredictAsync(wait: true);
            Require(stored.StatusCode == HttpStatusCode.OK && Header(stored, "X-Cache") == "MISS", "the first run stores the entry");
        }

        var filling = Stopwatch.StartNew();
        await fill(connectionString, rows);
        Console.WriteLine($"{provider}: {rows:N0} rows inserted in {filling.Elapsed.TotalSeconds:N1} s");

        for (var run = 1; run <= 3; run++)
        {
            var clock = Stopwatch.StartNew();
            await using var gateway = await GatewayRun.StartAsync(settings);
            var ready = await gateway.WaitUntilReadyAsync(clock);
            using var hit = await gateway.PredictAsync(wait: false);
            var firstHit = clock.Elapsed;
            Require(Header(hit, "X-Cache") == "HIT", "the stored entry is a hit after the restart");
            var stats = await gateway.Client.GetStringAsync(new Uri("/cache/stats", UriKind.Relative));
            Console.WriteLine(
                $"RESULT restart {provider} run {run}: ready {ready.TotalMilliseconds:N0} ms, first HIT {firstHit.TotalMilliseconds:N0} ms, " +
                $"RSS {gateway.ResidentMegabytes():N0} MiB; stats {stats}");
        }
    }

    private static async Task FillSqliteAsync(string connectionString, int rows)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @rows)
            INSERT INTO cache_entries (key, version, model, normalized_text, result, job_id, created_at, expires_at, last_access)
            SELECT printf('bulk%060d', i), 1, 'sentiment', 'bulk text ' || i, '{"sentiment":"neutral","confidence":0.5,"score":0}',
                   lower(hex(randomblob(16))), @now, @now + 3600000, @now - i
            FROM n
            """;
        command.Parameters.AddWithValue("@rows", rows);
        command.Parameters.AddWithValue("@now", TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync();
    }

    private static async Task FillPostgresAsync(string connectionString, int rows)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandTimeout = 600;
        command.CommandText = """
            INSERT INTO cache_entries (key, version, model, normalized_text, result, job_id, created_at, expires_at, last_access)
            SELECT 'bulk' || lpad(i::text, 60, '0'), 1, 'sentiment', 'bulk text ' || i, '{"sentiment":"neutral","confidence":0.5,"score":0}',
                   gen_random_uuid(), now(), now() + interval '1 hour', now() - i * interval '1 millisecond'
            FROM generate_series(1, @rows) AS i;
            ANALYZE cache_entries;
            """;
        command.Parameters.AddWithValue("rows", rows);
        await command.ExecuteNonQueryAsync();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Expected: {what}.");
        }
    }

    /// <summary>The gateway as its own process, from this program's output folder.</summary>
    private sealed class GatewayRun : IAsyncDisposable
    {
        private readonly Process _process;

        private GatewayRun(Process process, Uri address)
        {
            _process = process;
            Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        }

        public HttpClient Client { get; }

        public static async Task<GatewayRun> StartAsync(string[] settings)
        {
            int port;
            using (var listener = new TcpListener(IPAddress.Loopback, 0))
            {
                listener.Start();
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
            }

            var info = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = AppContext.BaseDirectory,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PredictionCache.Gateway.dll"));
            info.ArgumentList.Add("--urls");
            info.ArgumentList.Add($"http://127.0.0.1:{port}");
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
            var run = new GatewayRun(process, new Uri($"http://127.0.0.1:{port}"));
            await run.WaitUntilReadyAsync(Stopwatch.StartNew());
            return run;
        }

        /// <summary>Polls <c>/health/ready</c> (1 ms apart) until 200; returns the time on <paramref name="clock"/>.</summary>
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

        public Task<HttpResponseMessage> PredictAsync(bool wait)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/predict", UriKind.Relative))
            {
                Content = new StringContent($$"""{"text":"{{Text}}"}""", Encoding.UTF8, "application/json"),
            };
            if (wait)
            {
                request.Headers.Add("Prefer", "wait=30");
            }

            return Client.SendAsync(request);
        }

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
}

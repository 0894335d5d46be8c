using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Data.Sqlite;
using Npgsql;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// Restart-to-ready with a full table: the real gateway process (<see cref="GatewayProcess"/>) is started on a database holding
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
        await using (var first = await GatewayProcess.StartReadyAsync(settings))
        {
            using var stored = await first.PredictAsync(Text, wait: true);
            Require(stored.StatusCode == HttpStatusCode.OK && GatewayProcess.Header(stored, "X-Cache") == "MISS", "the first run stores the entry");
        }

        var filling = Stopwatch.StartNew();
        await fill(connectionString, rows);
        Console.WriteLine($"{provider}: {rows:N0} rows inserted in {filling.Elapsed.TotalSeconds:N1} s");

        for (var run = 1; run <= 3; run++)
        {
            var clock = Stopwatch.StartNew();
            await using var gateway = GatewayProcess.Start(settings);
            var ready = await gateway.WaitUntilReadyAsync(clock);
            using var hit = await gateway.PredictAsync(Text, wait: false);
            var firstHit = clock.Elapsed;
            Require(GatewayProcess.Header(hit, "X-Cache") == "HIT", "the stored entry is a hit after the restart");
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

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Expected: {what}.");
        }
    }
}

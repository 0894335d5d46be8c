using System.Diagnostics;
using System.Globalization;
using System.Net;
using PredictionCache.TestKit;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// HTTP hits right after a gateway process starts, against steady state: the real gateway (<see cref="GatewayProcess"/>,
/// SQLite in a file of its own) stores one input, is stopped and started again; from the moment it is ready, wrk
/// (<c>bench/wrk/post.lua</c>, that one input, so every request is a hit) runs in one-second slices for the first
/// <c>seconds</c> (default 30), printing requests per second and latency of each slice against the time since the
/// process started: JIT tiering, the first level-2 read and the thread pool's ramp-up show in the first slices. Then one
/// 10-second wrk run gives the steady-state figure the curve is compared with. The gateway is the Release build, or the
/// folder given (a <c>dotnet publish</c> output, e.g. ReadyToRun); runtime settings go in as the environment
/// (<c>DOTNET_TieredPGO=0 dotnet $B startup 30 folder</c>), which the gateway process inherits.
/// </summary>
internal static class StartupScenario
{
    private const string Text = "startup bench: a warm input";
    private const int Threads = 2;
    private const int Connections = 64;

    public static async Task<bool> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
        var folder = args.Length > 1 ? Path.GetFullPath(args[1]) : GatewayProcess.OutputFolder;
        Machine.PrintHeader($"startup: HTTP hits per second in the first {seconds} s of a gateway process vs steady state");
        // The runtime's knobs among the environment (the CLI's own variables left out).
        var knobs = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) && !k.StartsWith("DOTNET_CLI_", StringComparison.Ordinal) &&
                        k is not ("DOTNET_NOLOGO" or "DOTNET_GENERATE_ASPNET_CERTIFICATE"))
            .Order()
            .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}");
        Console.WriteLine($"gateway: {folder}; ReadyToRun: {IsReadyToRun(Path.Combine(folder, "PredictionCache.Gateway.dll"))}; runtime settings: {string.Join(' ', knobs.DefaultIfEmpty("defaults"))}");
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var texts = Path.Combine(Path.GetTempPath(), $"pcache-startup-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(texts, Text + "\n");
        try
        {
            string[] settings = [$"--Storage:Provider={TestDatabase.Sqlite}", $"--Storage:ConnectionString={database.ConnectionString}"];
            await using (var first = GatewayProcess.StartIn(folder, settings))
            {
                await first.WaitUntilReadyAsync(Stopwatch.StartNew());
                using var stored = await first.PredictAsync(Text, wait: true);
                if (stored.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"Storing the input answered {(int)stored.StatusCode}.");
                }
            }

            var clock = Stopwatch.StartNew();
            await using var gateway = GatewayProcess.StartIn(folder, settings);
            var ready = await gateway.WaitUntilReadyAsync(clock);
            Console.WriteLine($"ready {ready.TotalMilliseconds:N0} ms after process start; wrk -t{Threads} -c{Connections}, one warm input; load {Machine.Load()}");
            Console.WriteLine($"{"from s",7} {"req/s",9} {"p50 ms",8} {"p99 ms",8}  errors");
            var curve = new List<double>();
            while (clock.Elapsed < ready + TimeSpan.FromSeconds(seconds))
            {
                var at = clock.Elapsed;
                var slice = await Wrk.RunAsync(gateway.Address, texts, Threads, Connections, "1s");
                curve.Add(slice.Rate);
                Console.WriteLine($"{at.TotalSeconds,7:0.0} {slice.Rate,9:N0} {slice.P50,8:0.00} {slice.P99,8:0.00}  {slice.Errors}");
            }

            var steady = await Wrk.RunAsync(gateway.Address, texts, Threads, Connections, "10s");
            Console.WriteLine($"steady state (10 s run from {clock.Elapsed.TotalSeconds - 10:0} s): {steady.Rate:N0} req/s, p50 {steady.P50:0.00} ms, p99 {steady.P99:0.00} ms; {steady.Errors}");
            var stats = await gateway.Client.GetStringAsync(new Uri("/cache/stats", UriKind.Relative));
            Console.WriteLine($"cache stats: {stats}");
            var firstSecond = curve.Count > 0 ? curve[0] : 0;
            var firstTen = curve.Take(10).DefaultIfEmpty(0).Average();
            Console.WriteLine(
                $"RESULT startup: first second {firstSecond:N0} req/s = {firstSecond / steady.Rate:P0} of steady {steady.Rate:N0} req/s; " +
                $"mean of the first {Math.Min(10, curve.Count)} s {firstTen:N0} req/s = {firstTen / steady.Rate:P0}; " +
                $"first slice at >= 90% of steady: {FirstAtOrAbove(curve, 0.9 * steady.Rate)}");
            return steady.Rate > 0;
        }
        finally
        {
            File.Delete(texts);
        }
    }

    /// <summary>Whether <paramref name="dll"/> carries ReadyToRun code (a managed native header in its CLI header).</summary>
    private static bool IsReadyToRun(string dll)
    {
        using var stream = File.OpenRead(dll);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        return pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
    }

    private static string FirstAtOrAbove(List<double> curve, double rate)
    {
        var index = curve.FindIndex(r => r >= rate);
        return index < 0 ? "none" : $"slice {index + 1}";
    }

}

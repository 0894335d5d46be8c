using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>What one wrk run reports (<c>bench/wrk/post.lua</c>'s summary lines).</summary>
/// <param name="Rate">Requests per second.</param>
/// <param name="P50">Median latency, ms.</param>
/// <param name="P99">99th percentile latency, ms.</param>
/// <param name="Errors">The script's errors line (connect, read, write, status, timeout counts).</param>
/// <param name="NonSuccess">Answers with a status other than 2xx/3xx.</param>
internal sealed record WrkResult(double Rate, double P50, double P99, string Errors, long NonSuccess);

/// <summary>Debian's <c>wrk</c> POSTing to <c>/predict</c> with <c>bench/wrk/post.lua</c>, rotating over the texts of a file.</summary>
internal static partial class Wrk
{
    /// <summary>Runs <c>wrk -t<paramref name="threads"/> -c<paramref name="connections"/> -d<paramref name="duration"/> --latency</c> against <paramref name="gateway"/>.</summary>
    public static async Task<WrkResult> RunAsync(Uri gateway, string textsFile, int threads, int connections, string duration)
    {
        var info = new ProcessStartInfo("wrk") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[$"-t{threads}", $"-c{connections}", $"-d{duration}", "--latency", "-s",
            Path.Combine(GatewayProcess.RepositoryRoot, "bench", "wrk", "post.lua"), new Uri(gateway, "/predict").ToString()])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["WRK_TEXTS"] = textsFile;
        using var wrk = Process.Start(info) ?? throw new InvalidOperationException("wrk did not start (apt-get install wrk).");
        var output = wrk.StandardOutput.ReadToEndAsync();
        var error = wrk.StandardError.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        var text = await output;
        if (wrk.ExitCode != 0 || RateLine().Match(text) is not { Success: true } rate)
        {
            throw new InvalidOperationException($"wrk exited with {wrk.ExitCode}: {text}{await error}");
        }

        var errors = ErrorsLine().Match(text);
        var status = StatusCount().Match(text);
        return new WrkResult(
            double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture),
            Percentile(text, "50"),
            Percentile(text, "99"),
            errors.Success ? errors.Groups[1].Value : "errors unknown",
            status.Success ? long.Parse(status.Groups[1].Value, CultureInfo.InvariantCulture) : 0);
    }

    private static double Percentile(string wrkOutput, string percentile) =>
        Regex.Match(wrkOutput, $@"latency p{percentile}\s+([0-9.]+) ms") is { Success: true } match
            ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : double.NaN;

    [GeneratedRegex(@"= ([0-9.]+) req/s")]
    private static partial Regex RateLine();

    [GeneratedRegex(@"errors: (.*)")]
    private static partial Regex ErrorsLine();

    [GeneratedRegex(@"status (\d+)")]
    private static partial Regex StatusCount();
}

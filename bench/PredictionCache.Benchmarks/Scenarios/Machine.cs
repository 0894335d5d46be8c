using System.Runtime;
using System.Runtime.InteropServices;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>Prints what a figure was measured on, and forces the full collections the memory figures need.</summary>
internal static class Machine
{
    /// <summary>The 1-, 5- and 15-minute load averages (<c>/proc/loadavg</c>), or "unknown".</summary>
    public static string Load()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public static void PrintHeader(string scenario)
    {
        Console.WriteLine($"== {scenario} ==");
        Console.WriteLine($"cpus {Environment.ProcessorCount} | {CpuModel()} | memory {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB");
        Console.WriteLine($"{RuntimeInformation.OSDescription} | {RuntimeInformation.FrameworkDescription} | {RuntimeInformation.ProcessArchitecture}");
        Console.WriteLine($"GC: {(GCSettings.IsServerGC ? "server" : "workstation")}, {GCSettings.LatencyMode}");
    }

    /// <summary>Three full blocking, compacting collections with finalizers run, then the live heap size.</summary>
    public static long LiveHeapBytes()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    public static string Mb(long bytes) => $"{bytes / (1024.0 * 1024.0):0.0} MiB";

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "cpu model unknown" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "cpu model unknown";
        }
    }
}

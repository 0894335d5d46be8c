using System.Net;
using System.Net.Sockets;

namespace PredictionCache.TestKit;

/// <summary>Loopback ports for the servers a test starts (a silo, a gateway, a database).</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Given = [];

    /// <summary>Where ports are picked: below the OS's ephemeral range (or above it when there is no room below).</summary>
    private static readonly (int From, int To) Window = PickWindow();

    /// <summary>
    /// A TCP port free on 127.0.0.1 now, never given before in this process, and outside the OS's ephemeral range: a port
    /// the OS picked itself (bind to 0) goes back to that range once released, and an outgoing connection (to a
    /// database, a silo, a gateway) may take it as its local port before the server binds it ("address in use"). Two
    /// test processes picking the same random port at the same moment is the race left, and a rare one.
    /// </summary>
    public static int Next()
    {
        while (true)
        {
            var candidate = Random.Shared.Next(Window.From, Window.To);
            lock (Given)
            {
                if (!Given.Add(candidate))
                {
                    continue;
                }
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, candidate);
                listener.Start();
                return candidate;
            }
            catch (SocketException)
            {
                // In use: another process holds it; try another.
            }
        }
    }

    private static (int From, int To) PickWindow()
    {
        var (low, high) = (32768, 60999);
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
                .Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            (low, high) = (int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(range[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // Not Linux, or unreadable: Linux's default range.
        }

        return low - 10_000 >= 1024 ? (low - 10_000, low) : (high + 1, 65535);
    }

    /// <summary>
    /// The settings that give one co-hosted silo ports of its own (Orleans listens with SO_REUSEPORT: two silos on one
    /// port would both start and share connections) and no client gateway.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> SiloSettings() => new Dictionary<string, string?>
    {
        ["Orleans:Endpoints:SiloPort"] = Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Orleans:Endpoints:GatewayPort"] = "0",
    };
}

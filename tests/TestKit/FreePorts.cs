using System.Net;
using System.Net.Sockets;

namespace PredictionCache.TestKit;

/// <summary>Loopback ports for the servers a test starts (a silo, a gateway, a database).</summary>
public static class FreePorts
{
    /// <summary>A TCP port free on 127.0.0.1 now (the OS's pick; a later bind may race another process, rarely).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

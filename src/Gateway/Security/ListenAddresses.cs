using System.Net;

namespace PredictionCache.Gateway.Security;

/// <summary>
/// The addresses the server will listen on, as configuration says before it starts, and whether each is loopback:
/// what decides if a gateway without keys may start (<see cref="AuthOptionsValidator"/>).
/// </summary>
internal static class ListenAddresses
{
    /// <summary>
    /// Kestrel's endpoints (<c>Kestrel:Endpoints:*:Url</c>) when any are configured, since they override the rest; else
    /// <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, the gateway's default <c>http://127.0.0.1:8080</c>); else
    /// <c>http_ports</c>/<c>https_ports</c> (<c>ASPNETCORE_HTTP_PORTS</c>), which listen on every interface; else nothing
    /// (ASP.NET Core's own default, <c>http://localhost:5000</c>).
    /// </summary>
    public static IReadOnlyList<string> Configured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(endpoint => endpoint["Url"])
            .Where(url => !string.IsNullOrWhiteSpace(url))
            .Select(url => url!.Trim())
            .ToList();
        if (endpoints.Count > 0)
        {
            return endpoints;
        }

        if (Split(configuration["urls"]) is { Count: > 0 } urls)
        {
            return urls;
        }

        return [.. Split(configuration["http_ports"]).Select(port => $"http://*:{port}"), .. Split(configuration["https_ports"]).Select(port => $"https://*:{port}")];
    }

    /// <summary>
    /// True for an address only this machine reaches: <c>localhost</c>, a loopback IP (<c>127.0.0.0/8</c>, <c>::1</c>),
    /// a Unix socket or a named pipe. False for <c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c>, any other IP, any other
    /// host name (Kestrel listens on every interface for those) and anything it cannot read.
    /// </summary>
    public static bool IsLoopback(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var value = url.AsSpan().Trim();
        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return false;
        }

        var rest = value[(schemeEnd + 3)..];
        if (rest.StartsWith("unix:", StringComparison.OrdinalIgnoreCase) || rest.StartsWith("pipe:", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        ReadOnlySpan<char> host;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            host = rest[1..close];
        }
        else
        {
            var end = rest.IndexOfAny(':', '/');
            host = end < 0 ? rest : rest[..end];
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            return false;
        }

        return IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    private static List<string> Split(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? []
            : [.. value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}

namespace PredictionCache.Gateway.Dashboard;

/// <summary>The live dashboard (section <c>Dashboard</c>).</summary>
public sealed class DashboardOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Dashboard";

    /// <summary>The header that carries <see cref="ApiKey"/>.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>The query parameter that carries <see cref="ApiKey"/> (for a browser's address bar).</summary>
    public const string ApiKeyQuery = "api_key";

    /// <summary><value>Whether <c>/dashboard</c>, <c>/dashboard/data</c> and the Orleans Dashboard (<c>/dashboard/orleans</c>) are served; off: 404. Default true.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary><value>When set, <c>/dashboard</c>, its data and <c>/dashboard/orleans</c> need this key in the <c>X-Api-Key</c> header, the <c>api_key</c> query parameter, or the cookie a key in the query sets (401 otherwise). Default unset: open.</value></summary>
    public string? ApiKey { get; set; }
}

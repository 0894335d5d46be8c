namespace PredictionCache.Gateway.Security;

/// <summary>The names of the API-key scheme: where a key comes from, the roles a key holds and the policies that need them.</summary>
internal static class ApiKeyDefaults
{
    /// <summary>The authentication scheme.</summary>
    public const string Scheme = "ApiKey";

    /// <summary>The header that carries a key (besides <c>Authorization: Bearer</c>).</summary>
    public const string Header = "X-Api-Key";

    /// <summary>The query parameter that carries a key on <see cref="DashboardPath"/> only (a browser's address bar).</summary>
    public const string Query = "api_key";

    /// <summary>
    /// The HTTP-only cookie that carries a key after it came in the query: the Orleans Dashboard's page loads its script
    /// and calls its API by relative URLs, without the page's query string and without custom headers.
    /// </summary>
    public const string Cookie = "predictioncache_dashboard_key";

    /// <summary>Where a key is also accepted from <see cref="Query"/> and <see cref="Cookie"/>, and where the cookie is scoped.</summary>
    public const string DashboardPath = "/dashboard";

    /// <summary>The role (and the policy) of prediction calls: <c>predict</c> or <c>admin</c> keys may make them.</summary>
    public const string Predict = "predict";

    /// <summary>The role (and the policy) of administration: clearing the cache, the cluster, metrics, the dashboards.</summary>
    public const string Admin = "admin";

    /// <summary>
    /// The policy of what shows the whole cluster (<c>/cluster</c>, <c>/metrics</c>, the dashboards): an <c>admin</c> key
    /// of no tenant. A tenant's admin administers its own tenant only; these views hold every tenant's figures.
    /// </summary>
    public const string GlobalAdmin = "global-admin";

    /// <summary>The claim that carries a key's tenant (empty for a global key).</summary>
    public const string TenantClaim = "predictioncache:tenant";

    /// <summary>The prefix of the keys <c>new-key</c> makes, so a leaked one is recognisable (secret scanners, logs).</summary>
    public const string KeyPrefix = "pck_";
}

using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace PredictionCache.Gateway.Dashboard;

/// <summary>
/// <c>GET /dashboard</c> (the page, with its <c>app.js</c> and <c>app.css</c>, embedded in this assembly),
/// <c>GET /dashboard/data</c> (its JSON, polled each second) and the Orleans Dashboard under <see cref="OrleansPrefix"/>,
/// all behind <see cref="DashboardOptions.ApiKey"/> and with <see cref="DashboardSecurityHeaders"/>.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>Where the Orleans Dashboard (its page, assets and API) is mapped.</summary>
    public const string OrleansPrefix = "/dashboard/orleans";

    /// <summary>
    /// The cookie that carries the key after it came in the query: the Orleans Dashboard's page loads its script and
    /// calls its API by relative URLs, without the page's query string and without custom headers.
    /// </summary>
    public const string ApiKeyCookie = "predictioncache_dashboard_key";

    private const string PageAsset = "index.html";

    private const string ScriptAsset = "app.js";

    private const string StyleAsset = "app.css";

    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<DashboardOptions>>().Value;
        if (!options.Enabled)
        {
            // Not mapped: the routes answer 404 like any unknown path.
            return endpoints;
        }

        // The security headers first, so that a 401 carries them too.
        var group = endpoints.MapGroup("/dashboard").WithTags("Dashboard")
            .AddEndpointFilter(DashboardSecurityHeaders.With(DashboardSecurityHeaders.PagePolicy))
            .AddEndpointFilter(RequireApiKeyAsync);
        group.MapGet("/", () => GetAsset(PageAsset)).WithName("GetDashboard").WithSummary("The live grain dashboard (HTML).").ExcludeFromDescription();
        group.MapGet($"/{ScriptAsset}", () => GetAsset(ScriptAsset)).ExcludeFromDescription();
        group.MapGet($"/{StyleAsset}", () => GetAsset(StyleAsset)).ExcludeFromDescription();
        group.MapGet("/data", GetDataAsync).WithName("GetDashboardData").WithSummary("The dashboard's figures (JSON).")
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        // Orleans' own page and API (its silo part is added by AddPredictionCacheSilo); not part of this API's description.
        endpoints.MapOrleansDashboard(OrleansPrefix)
            .AddEndpointFilter(DashboardSecurityHeaders.With(DashboardSecurityHeaders.OrleansPolicy))
            .AddEndpointFilter(RequireApiKeyAsync)
            .ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>
    /// One of the dashboard's files, embedded in this assembly as <c>dashboard/{name}</c>: the page, its script or its
    /// style sheet (separate files, so the page's Content-Security-Policy needs no inline script or style).
    /// </summary>
    internal static IResult GetAsset(string name)
    {
        var resource = $"dashboard/{name}";
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded resource '{resource}' is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var contentType = Path.GetExtension(name) switch
        {
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "text/html; charset=utf-8",
        };
        return TypedResults.Text(reader.ReadToEnd(), contentType);
    }

    internal static async Task<IResult> GetDataAsync(DashboardData data, CancellationToken cancellationToken) =>
        TypedResults.Text(await data.BuildJsonAsync(cancellationToken), "application/json; charset=utf-8");

    /// <summary>
    /// With <see cref="DashboardOptions.ApiKey"/> set: the key in the header, the query or the cookie, else 401. A key
    /// that came in the query (a browser's address bar) is kept in an HTTP-only cookie for the dashboards' own requests.
    /// </summary>
    private static async ValueTask<object?> RequireApiKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var key = context.HttpContext.RequestServices.GetRequiredService<IOptions<DashboardOptions>>().Value.ApiKey;
        if (!string.IsNullOrEmpty(key))
        {
            var request = context.HttpContext.Request;
            var fromQuery = request.Query[DashboardOptions.ApiKeyQuery].FirstOrDefault();
            var given = request.Headers[DashboardOptions.ApiKeyHeader].FirstOrDefault() ?? fromQuery ?? request.Cookies[ApiKeyCookie];
            if (given is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key)))
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Unauthorized",
                    detail: $"The dashboard needs Dashboard:ApiKey in the {DashboardOptions.ApiKeyHeader} header or the {DashboardOptions.ApiKeyQuery} query parameter.");
            }

            if (fromQuery is not null && string.Equals(fromQuery, given, StringComparison.Ordinal))
            {
                context.HttpContext.Response.Cookies.Append(ApiKeyCookie, fromQuery, new CookieOptions
                {
                    Path = "/dashboard",
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Secure = request.IsHttps,
                });
            }
        }

        return await next(context);
    }
}

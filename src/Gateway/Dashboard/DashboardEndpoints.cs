using System.Text;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using PredictionCache.Gateway.Security;

namespace PredictionCache.Gateway.Dashboard;

/// <summary>
/// <c>GET /dashboard</c> (the page, with its <c>app.js</c> and <c>app.css</c>, embedded in this assembly),
/// <c>GET /dashboard/data</c> (its JSON, polled each second) and the Orleans Dashboard under <see cref="OrleansPrefix"/>,
/// all with <see cref="DashboardSecurityHeaders"/> (a middleware) and for global <c>admin</c> keys (a browser sends its key as
/// <c>?api_key=</c>, then in a cookie: <see cref="ApiKeyAuthentication"/>).
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>Where the Orleans Dashboard (its page, assets and API) is mapped.</summary>
    public const string OrleansPrefix = "/dashboard/orleans";

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

        var group = endpoints.MapGroup("/dashboard").WithTags("Dashboard").RequireAuthorization(ApiKeyDefaults.GlobalAdmin);
        group.MapGet("/", () => GetAsset(PageAsset)).WithName("GetDashboard").WithSummary("The live grain dashboard (HTML).").ExcludeFromDescription();
        group.MapGet($"/{ScriptAsset}", () => GetAsset(ScriptAsset)).ExcludeFromDescription();
        group.MapGet($"/{StyleAsset}", () => GetAsset(StyleAsset)).ExcludeFromDescription();
        group.MapGet("/data", GetDataAsync).WithName("GetDashboardData").WithSummary("The dashboard's figures (JSON).")
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        // Orleans' own page and API (its silo part is added by AddPredictionCacheSilo); not part of this API's description.
        endpoints.MapOrleansDashboard(OrleansPrefix).RequireAuthorization(ApiKeyDefaults.GlobalAdmin).ExcludeFromDescription();
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
}

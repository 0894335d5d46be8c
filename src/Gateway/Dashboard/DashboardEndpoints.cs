using System.Text;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using PredictionCache.Gateway.Security;

namespace PredictionCache.Gateway.Dashboard;

/// <summary>
/// <c>GET /dashboard</c> (the page, embedded in this assembly), <c>GET /dashboard/data</c> (its JSON, polled each
/// second) and the Orleans Dashboard under <see cref="OrleansPrefix"/>, all for <c>admin</c> keys (a browser sends its key
/// as <c>?api_key=</c>, then in a cookie: <see cref="ApiKeyAuthenticationHandler"/>).
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>Where the Orleans Dashboard (its page, assets and API) is mapped.</summary>
    public const string OrleansPrefix = "/dashboard/orleans";

    private const string PageResource = "dashboard/index.html";

    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<DashboardOptions>>().Value;
        if (!options.Enabled)
        {
            // Not mapped: the routes answer 404 like any unknown path.
            return endpoints;
        }

        var group = endpoints.MapGroup("/dashboard").WithTags("Dashboard").RequireAuthorization(ApiKeyDefaults.GlobalAdmin);
        group.MapGet("/", GetPage).WithName("GetDashboard").WithSummary("The live grain dashboard (HTML).").ExcludeFromDescription();
        group.MapGet("/data", GetDataAsync).WithName("GetDashboardData").WithSummary("The dashboard's figures (JSON).")
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        // Orleans' own page and API (its silo part is added by AddPredictionCacheSilo); not part of this API's description.
        endpoints.MapOrleansDashboard(OrleansPrefix).RequireAuthorization(ApiKeyDefaults.GlobalAdmin).ExcludeFromDescription();
        return endpoints;
    }

    internal static IResult GetPage()
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"The embedded resource '{PageResource}' is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return TypedResults.Text(reader.ReadToEnd(), "text/html; charset=utf-8");
    }

    internal static async Task<IResult> GetDataAsync(DashboardData data, CancellationToken cancellationToken) =>
        TypedResults.Text(await data.BuildJsonAsync(cancellationToken), "application/json; charset=utf-8");
}

using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace PredictionCache.Gateway.Dashboard;

/// <summary><c>GET /dashboard</c> (the page, embedded in this assembly) and <c>GET /dashboard/data</c> (its JSON, polled each second).</summary>
internal static class DashboardEndpoints
{
    private const string PageResource = "dashboard/index.html";

    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<DashboardOptions>>().Value;
        if (!options.Enabled)
        {
            // Not mapped: the routes answer 404 like any unknown path.
            return endpoints;
        }

        var group = endpoints.MapGroup("/dashboard").WithTags("Dashboard").AddEndpointFilter(RequireApiKeyAsync);
        group.MapGet("/", GetPage).WithName("GetDashboard").WithSummary("The live grain dashboard (HTML).").ExcludeFromDescription();
        group.MapGet("/data", GetDataAsync).WithName("GetDashboardData").WithSummary("The dashboard's figures (JSON).")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
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

    private static async ValueTask<object?> RequireApiKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var key = context.HttpContext.RequestServices.GetRequiredService<IOptions<DashboardOptions>>().Value.ApiKey;
        if (!string.IsNullOrEmpty(key))
        {
            var request = context.HttpContext.Request;
            var given = request.Headers[DashboardOptions.ApiKeyHeader].FirstOrDefault() ?? request.Query[DashboardOptions.ApiKeyQuery].FirstOrDefault();
            if (given is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key)))
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Unauthorized",
                    detail: $"The dashboard needs Dashboard:ApiKey in the {DashboardOptions.ApiKeyHeader} header or the {DashboardOptions.ApiKeyQuery} query parameter.");
            }
        }

        return await next(context);
    }
}

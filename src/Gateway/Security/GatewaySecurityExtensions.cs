using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace PredictionCache.Gateway.Security;

/// <summary>Registers and maps the gateway's API keys: authentication, authorization per role, a rate limit per key.</summary>
internal static class GatewaySecurityExtensions
{
    /// <summary>
    /// Binds and validates <see cref="AuthOptions"/> (and refuses an open gateway on a non-loopback address); with keys
    /// configured, adds the key check (<see cref="ApiKeyAuthentication"/>: the endpoints' <c>predict</c>, <c>admin</c> and
    /// <c>global-admin</c> policies, and a key wherever no policy is said), the per-key rate limiter and the keys in the
    /// OpenAPI document. With none, adds no security service at all: the gateway stays open and pays nothing per request.
    /// </summary>
    public static IServiceCollection AddGatewaySecurity(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        var keysConfigured = configuration.GetSection($"{AuthOptions.SectionName}:{nameof(AuthOptions.Keys)}").GetChildren().Any();
        services.AddSingleton(new SecurityMode(keysConfigured));

        // The endpoints' RequireAuthorization metadata is read by ApiKeyAuthentication, not by ASP.NET Core's
        // authorization middleware (with none registered, WebApplication adds no authentication or authorization
        // middleware of its own, which would make a handler, a scope, a principal and a policy evaluation per request).
        services.Configure<RouteOptions>(routes => routes.SuppressCheckForUnhandledSecurityMetadata = true);
        if (!keysConfigured)
        {
            return services;
        }

        services.AddSingleton<ApiKeyRing>();
        services.AddSingleton<SecurityMetrics>();
        services.AddSingleton<ApiKeyAuthentication>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<ApiKeyRing, SecurityMetrics, ILoggerFactory>(KeyRateLimits.Configure);
        services.Configure<OpenApiOptions>("v1", openApi =>
        {
            openApi.AddDocumentTransformer<ApiKeyOpenApiTransformer>();
            openApi.AddOperationTransformer<ApiKeyOpenApiTransformer>();
        });
        return services;
    }

    /// <summary>
    /// With keys configured: the key checked against the endpoint's policy (the caller set, or 401/403), then the key's
    /// rate limit, so refused requests count against no key. Goes after the middleware that
    /// serves open pages (Swagger UI) and before the endpoints.
    /// </summary>
    public static WebApplication UseGatewaySecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetRequiredService<SecurityMode>().KeysConfigured)
        {
            return app;
        }

        var keys = app.Services.GetRequiredService<ApiKeyAuthentication>();
        app.Use(keys.InvokeAsync);
        app.UseRateLimiter();
        return app;
    }
}

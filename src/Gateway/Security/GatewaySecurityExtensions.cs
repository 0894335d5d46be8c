using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace PredictionCache.Gateway.Security;

/// <summary>Registers and maps the gateway's API keys: authentication, authorization per role, a rate limit per key.</summary>
internal static class GatewaySecurityExtensions
{
    /// <summary>
    /// Binds and validates <see cref="AuthOptions"/> (and refuses an open gateway on a non-loopback address); with keys
    /// configured, adds the API-key scheme, the <c>predict</c> and <c>admin</c> policies with a fallback that requires a
    /// key wherever no policy is said, the per-key rate limiter and the keys in the OpenAPI document. With none, adds no
    /// security service at all: the gateway stays open and pays nothing per request.
    /// </summary>
    public static IServiceCollection AddGatewaySecurity(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        var keysConfigured = configuration.GetSection($"{AuthOptions.SectionName}:{nameof(AuthOptions.Keys)}").GetChildren().Any();
        services.AddSingleton(new SecurityMode(keysConfigured));
        if (!keysConfigured)
        {
            // The endpoints' RequireAuthorization metadata stays unread: no authorization middleware runs to read it.
            services.Configure<RouteOptions>(routes => routes.SuppressCheckForUnhandledSecurityMetadata = true);
            return services;
        }

        services.AddSingleton<ApiKeyRing>();
        services.AddSingleton<SecurityMetrics>();

        // No authentication services: UseApiKeyAuthentication sets the principal, which authorization reads from
        // HttpContext.User, and ApiKeyAuthentication answers its challenges and forbids. ASP.NET Core's authentication
        // middleware (which WebApplication adds by itself once a scheme is registered) would make a handler, a scope
        // and a logger for every request.
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiKeyAuthentication>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(ApiKeyDefaults.Predict, policy => policy.RequireAuthenticatedUser().RequireRole(ApiKeyDefaults.Predict, ApiKeyDefaults.Admin))
            .AddPolicy(ApiKeyDefaults.Admin, policy => policy.RequireAuthenticatedUser().RequireRole(ApiKeyDefaults.Admin))
            .AddPolicy(ApiKeyDefaults.GlobalAdmin, policy => policy.RequireAuthenticatedUser().RequireRole(ApiKeyDefaults.Admin)
                .RequireAssertion(static context => string.IsNullOrEmpty(context.User.FindFirst(ApiKeyDefaults.TenantClaim)?.Value)));
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
    /// With keys configured: authentication (the key checked, the caller set), authorization (the endpoint's role, or a
    /// key at all), then the key's rate limit, so refused requests count against no key. Goes after the middleware that
    /// serves open pages (Swagger UI) and before the endpoints.
    /// </summary>
    public static WebApplication UseGatewaySecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetRequiredService<SecurityMode>().KeysConfigured)
        {
            return app;
        }

        app.UseApiKeyAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// Authenticates every request once, before authorization: a known key puts its principal on
    /// <see cref="HttpContext.User"/> (authorization reads it there) and its caller on the features. A missing or bad key
    /// leaves the request anonymous, and authorization's challenge says what was wrong.
    /// </summary>
    public static WebApplication UseApiKeyAuthentication(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var ring = app.Services.GetRequiredService<ApiKeyRing>();
        app.Use((context, next) =>
        {
            if (ApiKeyAuthentication.Authenticate(context, ring) is { Succeeded: true } result)
            {
                context.User = result.Principal;
            }

            return next(context);
        });
        return app;
    }
}

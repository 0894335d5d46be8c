using Microsoft.AspNetCore.Authentication;
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
        // AddAuthenticationCore, not AddAuthentication: the latter adds Data Protection (a key ring created and written
        // to disk at start-up) for cookie and remote schemes, which an API-key scheme never uses.
        services.AddAuthenticationCore(authentication => authentication.DefaultScheme = ApiKeyDefaults.Scheme);
        services.AddWebEncoders();
        new AuthenticationBuilder(services)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, configureOptions: null);
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

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }
}

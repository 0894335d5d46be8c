using System.Text.Json;
using Microsoft.Extensions.Options;
using PredictionCache.Grains;
using KestrelServerOptions = Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions;
using PredictionCache.Gateway.Health;
using PredictionCache.Gateway.Security;
using PredictionCache.Gateway.Telemetry;

namespace PredictionCache.Gateway.Infrastructure;

/// <summary>Registers the gateway's services and maps its middleware.</summary>
internal static class GatewayServiceCollectionExtensions
{
    public static IServiceCollection AddGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<GatewayOptions>(GatewayOptions.SectionName);
        services.AddGatewayCors();

        // Kestrel's own body limit (30,000,000 bytes by default) would otherwise refuse bodies that
        // Gateway:MaxRequestBytes (up to 64 MiB) allows.
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<GatewayOptions>>((kestrel, gateway) => kestrel.Limits.MaxRequestBodySize = gateway.Value.MaxRequestBytes);
        services.AddGatewayTelemetry(configuration);
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, GatewayJsonContext.Default);
        });
        services.AddOpenApi();
        services.AddGatewaySecurity(configuration);
        services.AddHealthChecks().AddCheck<JobStoreHealthCheck>("storage", tags: [HealthEndpoints.ReadyTag]);
        return services;
    }

    /// <summary>
    /// Every error becomes problem+json with a title and a detail: unhandled exceptions (a client's bad request keeps
    /// its own 4xx) and bare status codes (no route, wrong method, wrong media type), whatever the Accept header.
    /// </summary>
    public static WebApplication UseGatewayProblems(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = Problems.StatusOf,
            ExceptionHandler = Problems.WriteForExceptionAsync,
        });
        app.UseStatusCodePages(context => Problems.WriteForStatusCodeAsync(context.HttpContext));
        return app;
    }
}

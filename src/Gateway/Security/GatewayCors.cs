using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using PredictionCache.Grains;

namespace PredictionCache.Gateway.Security;

/// <summary>
/// CORS for the origins in <see cref="GatewayCorsOptions.AllowedOrigins"/>, through ASP.NET Core's CORS middleware and one
/// named policy; with none listed the middleware is not in the pipeline at all.
/// </summary>
internal static class GatewayCors
{
    /// <summary>The policy's name.</summary>
    public const string PolicyName = "gateway";

    /// <summary>The methods the API answers.</summary>
    private static readonly string[] Methods = ["GET", "POST", "DELETE"];

    /// <summary>The request headers the API reads.</summary>
    private static readonly string[] Headers = ["Content-Type", "Authorization", "X-Api-Key", "Prefer", "Cache-Control"];

    /// <summary>The response headers a page's script may read beyond the CORS-safelisted ones.</summary>
    private static readonly string[] ExposedHeaders = ["X-Cache", "X-Cache-Key", "Age", "Location", "Retry-After"];

    /// <summary>Binds and validates <see cref="GatewayCorsOptions"/> and registers the policy for its origins.</summary>
    public static IServiceCollection AddGatewayCors(this IServiceCollection services)
    {
        services.AddValidatedOptions<GatewayCorsOptions>(GatewayCorsOptions.SectionName);
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<GatewayCorsOptions>>((cors, gateway) =>
            cors.AddPolicy(PolicyName, policy => policy
                .WithOrigins([.. gateway.Value.AllowedOrigins])
                .WithMethods(Methods)
                .WithHeaders(Headers)
                .WithExposedHeaders(ExposedHeaders)));
        return services;
    }

    /// <summary>Adds the CORS middleware with the policy when <see cref="GatewayCorsOptions.AllowedOrigins"/> lists any origin.</summary>
    public static WebApplication UseGatewayCors(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<GatewayCorsOptions>>().Value.AllowedOrigins.Count > 0)
        {
            app.UseCors(PolicyName);
        }

        return app;
    }
}

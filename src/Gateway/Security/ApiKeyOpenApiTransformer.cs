using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace PredictionCache.Gateway.Security;

/// <summary>
/// The API keys in the OpenAPI document (registered only when keys are configured): two security schemes, HTTP bearer
/// and the <c>X-Api-Key</c> header, either of which every operation not marked anonymous requires, with its
/// <c>401</c>, <c>403</c> and <c>429</c> problems. Swagger UI then shows Authorize and sends the key.
/// </summary>
internal sealed class ApiKeyOpenApiTransformer : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    /// <summary>The bearer scheme's name in <c>components.securitySchemes</c>.</summary>
    public const string BearerScheme = "Bearer";

    /// <summary>The header scheme's name in <c>components.securitySchemes</c>.</summary>
    public const string HeaderScheme = "ApiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        AddSchemes(document);
        return Task.CompletedTask;
    }

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any() || context.Document is not { } document)
        {
            return;
        }

        // The references resolve against the document's components, so the schemes are there before the first one.
        AddSchemes(document);
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] });
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(HeaderScheme, document)] = [] });
        var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken);
        operation.Responses ??= [];
        AddProblem(operation, StatusCodes.Status401Unauthorized, "No API key, or one the gateway does not know.", problem);
        AddProblem(operation, StatusCodes.Status403Forbidden, "The API key lacks the role this call needs.", problem);
        AddProblem(operation, StatusCodes.Status429TooManyRequests, "The API key is over its rate limit; see Retry-After.", problem);
    }

    private static void AddSchemes(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes.TryAdd(BearerScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key as 'Authorization: Bearer <key>'.",
        });
        document.Components.SecuritySchemes.TryAdd(HeaderScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyDefaults.Header,
            Description = "An API key in the X-Api-Key header.",
        });
    }

    private static void AddProblem(OpenApiOperation operation, int status, string description, IOpenApiSchema schema) =>
        operation.Responses!.TryAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture), new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = schema } },
        });
}

using Microsoft.AspNetCore.Http.HttpResults;
using PredictionCache.Gateway.Infrastructure;
using PredictionCache.Gateway.Security;
using PredictionCache.Grains.Caching;

namespace PredictionCache.Gateway.Cache;

/// <summary>The answer of <c>DELETE /cache</c>.</summary>
/// <param name="Message">What was done.</param>
/// <param name="Stats">The figures after clearing.</param>
public sealed record ClearResponse(string Message, CacheStatsSnapshot Stats);

/// <summary><c>/cache</c>: stats, clear, delete one entry.</summary>
internal static class CacheEndpoints
{
    public static IEndpointRouteBuilder MapCacheEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/cache").WithTags("Cache");
        group.MapGet("/stats", GetStats).RequireAuthorization(ApiKeyDefaults.Predict).WithName("GetCacheStats").WithSummary("The cache's counters and sizes.");
        group.MapDelete("/", ClearAsync).RequireAuthorization(ApiKeyDefaults.Admin).WithName("ClearCache").WithSummary("Clears memory and storage and resets the counters.");
        group.MapDelete("/entries/{key}", RemoveEntryAsync)
            .RequireAuthorization(ApiKeyDefaults.Predict)
            .WithName("DeleteCacheEntry")
            .WithSummary("Removes one entry from memory and storage.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    internal static async Task<Ok<CacheStatsSnapshot>> GetStats(PredictionService cache, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cache.GetStatsAsync(cancellationToken));

    internal static async Task<Ok<ClearResponse>> ClearAsync(PredictionService cache, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ClearResponse("Cache cleared", await cache.ClearAsync(cancellationToken)));

    internal static async Task<Results<NoContent, ProblemHttpResult>> RemoveEntryAsync(string key, PredictionService cache, CancellationToken cancellationToken) =>
        await cache.RemoveEntryAsync(key, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound($"No cache entry '{key}'.");
}

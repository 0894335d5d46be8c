using Microsoft.AspNetCore.Http.HttpResults;
using PredictionCache.Gateway.Infrastructure;
using PredictionCache.Gateway.Security;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Tenants;

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
        group.MapGet("/stats", GetStats)
            .RequireAuthorization(ApiKeyDefaults.Predict)
            .WithName("GetCacheStats")
            .WithSummary("The cache's counters and sizes: the caller's tenant's, or the whole cache's.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapDelete("/", ClearAsync)
            .RequireAuthorization(ApiKeyDefaults.Admin)
            .WithName("ClearCache")
            .WithSummary("Clears memory and storage (the caller's tenant's entries, or all) and resets the counters.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapDelete("/entries/{key}", RemoveEntryAsync)
            .RequireAuthorization(ApiKeyDefaults.Predict)
            .WithName("DeleteCacheEntry")
            .WithSummary("Removes one entry from memory and storage.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    /// <summary>
    /// A tenant's key gets its tenant's figures; a global key the whole cache's, or with <c>?tenant=</c> (an admin only)
    /// that tenant's.
    /// </summary>
    internal static async Task<Results<Ok<CacheStatsSnapshot>, ProblemHttpResult>> GetStats(
        string? tenant, HttpContext context, PredictionService cache, CancellationToken cancellationToken)
    {
        var (scope, problem) = ScopeOf(context.GetCaller(), tenant);
        return problem ?? (Results<Ok<CacheStatsSnapshot>, ProblemHttpResult>)TypedResults.Ok(await cache.GetStatsAsync(scope, cancellationToken));
    }

    /// <summary>A tenant's admin clears its tenant's entries; a global admin every entry, or with <c>?tenant=</c> that tenant's.</summary>
    internal static async Task<Results<Ok<ClearResponse>, ProblemHttpResult>> ClearAsync(
        string? tenant, HttpContext context, PredictionService cache, CancellationToken cancellationToken)
    {
        var (scope, problem) = ScopeOf(context.GetCaller(), tenant);
        if (problem is not null)
        {
            return problem;
        }

        var message = scope is null ? "Cache cleared" : $"Cache cleared for tenant '{scope}'";
        return TypedResults.Ok(new ClearResponse(message, await cache.ClearAsync(scope, cancellationToken)));
    }

    /// <summary>A tenant's key removes its tenant's entries only; another's (or a shared model's) is answered as unknown.</summary>
    internal static async Task<Results<NoContent, ProblemHttpResult>> RemoveEntryAsync(
        string key, HttpContext context, PredictionService cache, CancellationToken cancellationToken)
    {
        var caller = context.GetCaller();
        return await cache.RemoveEntryAsync(key, caller.IsGlobal ? null : caller.Tenant, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound($"No cache entry '{key}'.");
    }

    /// <summary>
    /// The tenant a stats or clear request is about (null: the whole cache): the caller's own, or for a global admin the
    /// one <c>?tenant=</c> names. Naming another tenant, or any tenant without <c>admin</c>, is forbidden.
    /// </summary>
    private static (string? Tenant, ProblemHttpResult? Problem) ScopeOf(Caller caller, string? tenant)
    {
        if (string.IsNullOrEmpty(tenant) || (!caller.IsGlobal && string.Equals(tenant, caller.Tenant, StringComparison.Ordinal)))
        {
            return (caller.IsGlobal ? null : caller.Tenant, null);
        }

        if (!caller.IsGlobal || !caller.IsAdmin)
        {
            return (null, Problems.Forbidden("Another tenant's figures and entries need a global key with the admin role."));
        }

        return TenantName.IsValid(tenant) ? (tenant, null) : (null, Problems.BadRequest($"'{tenant}' is not a tenant: {TenantName.Rule}"));
    }
}

using Microsoft.AspNetCore.Http.HttpResults;
using PredictionCache.Gateway.Security;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Cluster;

namespace PredictionCache.Gateway.Cache;

/// <summary>The answer of <c>GET /cluster</c>.</summary>
/// <param name="Nodes">Every member membership knows, by address, with the figures of the active ones.</param>
public sealed record ClusterResponse(IReadOnlyList<ClusterNode> Nodes);

/// <summary><c>/cluster</c>: the nodes of the cache.</summary>
internal static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/cluster", GetClusterAsync)
            .RequireAuthorization(ApiKeyDefaults.GlobalAdmin)
            .WithTags("Cluster")
            .WithName("GetCluster")
            .WithSummary("Each node of the cluster: address, status, activations, its own hits and misses.");
        return endpoints;
    }

    internal static async Task<Ok<ClusterResponse>> GetClusterAsync(PredictionService cache, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ClusterResponse(await cache.GetNodesAsync(cancellationToken)));
}

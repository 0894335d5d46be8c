using Microsoft.AspNetCore.Http.HttpResults;
using PredictionCache.Gateway.Infrastructure;
using PredictionCache.Gateway.Security;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.Gateway.Jobs;

/// <summary>A job as <c>GET /jobs/{id}</c> shows it.</summary>
/// <param name="JobId">The job's id.</param>
/// <param name="Status"><c>processing</c>, <c>completed</c> or <c>failed</c>.</param>
/// <param name="Result">The prediction, once completed.</param>
/// <param name="Error">Why it failed, once failed.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="CompletedAt">When it finished.</param>
/// <param name="TimedOut">True when it failed by taking too long.</param>
public sealed record JobResponse(
    Guid JobId, string Status, PredictionResult? Result, string? Error, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, bool TimedOut)
{
    internal static JobResponse From(JobRecord job) =>
        new(job.Id, job.Status.ToString().ToLowerInvariant(), job.Result, job.Error, job.CreatedAt, job.CompletedAt, job.TimedOut);
}

/// <summary><c>GET /jobs/{id}</c>.</summary>
internal static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/jobs/{id}", GetJobAsync)
            .RequireAuthorization(ApiKeyDefaults.Predict)
            .WithName("GetJob")
            .WithSummary("A job's status and, once completed, its result.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return endpoints;
    }

    /// <summary>
    /// The job, when the caller may see it: its own tenant's, or one of no tenant (a shared model's, which every tenant
    /// may have joined). Another tenant's job is answered as unknown, so an id says nothing about whose it is.
    /// </summary>
    internal static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetJobAsync(
        string id, HttpContext context, PredictionService cache, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var jobId))
        {
            return Problems.NotFound($"'{id}' is not a job id.");
        }

        return await cache.GetJobAsync(jobId, cancellationToken) is { } job && (job.Tenant.Length == 0 || context.GetCaller().Sees(job.Tenant))
            ? TypedResults.Ok(JobResponse.From(job))
            : Problems.NotFound($"No job {jobId}.");
    }
}

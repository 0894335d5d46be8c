using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PredictionCache.Gateway.Infrastructure;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.Gateway.Predict;

/// <summary><c>POST /predict</c>: hit, miss (202 + job), or wait for the job with <c>Prefer: wait</c>.</summary>
internal static class PredictEndpoints
{
    public static IEndpointRouteBuilder MapPredictEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/predict", PredictAsync)
            .WithName("Predict")
            .WithSummary("Predict for a text: from the cache, or as a job.")
            .Accepts<PredictRequest>("application/json")
            .Produces<PredictResponse>(StatusCodes.Status200OK)
            .Produces<PredictResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        return endpoints;
    }

    internal static async Task<Results<Ok<PredictResponse>, Accepted<PredictResponse>, ProblemHttpResult>> PredictAsync(
        HttpContext context, PredictionService cache, IOptions<GatewayOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        var cancellationToken = context.RequestAborted;
        var (request, problem) = await PredictRequestReader.ReadAsync(context.Request, settings, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!cache.Models.TryGetServed(request!.Model, out var served))
        {
            return Problems.BadRequest($"Unknown model '{request.Model}'. Known models: {string.Join(", ", cache.Models.Models.Select(m => m.Name))}.");
        }

        var model = served.Descriptor;
        var normalized = served.Normalize(request.Text);
        if (normalized is null)
        {
            return Problems.BadRequest("\"text\" is not valid Unicode text: it holds an unpaired surrogate or a noncharacter such as U+FFFE.");
        }

        if (normalized.Length == 0)
        {
            return Problems.BadRequest("\"text\" is blank.");
        }

        var headers = context.Request.Headers;
        var directives = RequestDirectives.ParseCacheControl(headers.CacheControl);
        var outcome = await cache.PredictAsync(model, request.Text, normalized, directives, cancellationToken);
        var responseHeaders = context.Response.Headers;
        responseHeaders["X-Cache-Key"] = outcome.Key;
        switch (outcome.Kind)
        {
            case PredictOutcomeKind.Hit:
                var entry = outcome.Entry!;
                responseHeaders["X-Cache"] = "HIT";
                var age = Math.Max(0, (long)(time.GetUtcNow() - entry.CreatedAt).TotalSeconds);
                responseHeaders.Age = age.ToString(CultureInfo.InvariantCulture);
                return TypedResults.Ok(new PredictResponse(entry.JobId, "completed", entry.Result, Cached: true));
            case PredictOutcomeKind.NotCached:
                return Problems.NotCached(outcome.Key);
            case PredictOutcomeKind.Overloaded:
                responseHeaders.RetryAfter = "1";
                return Problems.Overloaded();
        }

        responseHeaders["X-Cache"] = "MISS";
        if (RequestDirectives.ParsePreferWait(headers["Prefer"], settings.MaxWaitSeconds) is { } wait and > 0)
        {
            var job = await cache.WaitForJobAsync(outcome.JobId, TimeSpan.FromSeconds(wait), cancellationToken);
            switch (job?.Status)
            {
                case JobStatus.Completed:
                    responseHeaders["Preference-Applied"] = $"wait={wait}";
                    return TypedResults.Ok(new PredictResponse(job.Id, "completed", job.Result, Cached: false));
                case JobStatus.Failed:
                    responseHeaders["Preference-Applied"] = $"wait={wait}";
                    return Problems.InferenceFailed(job.Id, job.Error);
            }
        }

        return TypedResults.Accepted($"/jobs/{outcome.JobId}", new PredictResponse(outcome.JobId, "processing", null, Cached: false));
    }
}

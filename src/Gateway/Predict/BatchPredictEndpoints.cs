using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PredictionCache.Gateway.Infrastructure;
using PredictionCache.Gateway.Security;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;

namespace PredictionCache.Gateway.Predict;

/// <summary>
/// <c>POST /predict/batch</c>: many requests in one. Each item is answered on its own, as <c>POST /predict</c> would
/// answer it alone (hits at once, misses start or join their jobs, all concurrently); an invalid item gets its own
/// error entry and the others are served: the batch is <c>200</c> unless the batch itself is invalid.
/// </summary>
internal static class BatchPredictEndpoints
{
    public static IEndpointRouteBuilder MapBatchPredictEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/predict/batch", PredictBatchAsync)
            .RequireAuthorization(ApiKeyDefaults.Predict)
            .WithName("PredictBatch")
            .WithSummary("Predict for many texts at once: each item answered from the cache or as a job, with its own status.")
            .Accepts<BatchPredictRequest>("application/json")
            .Produces<BatchPredictResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return endpoints;
    }

    internal static async Task<Results<Ok<BatchPredictResponse>, ProblemHttpResult>> PredictBatchAsync(
        HttpContext context, PredictionService cache, IOptions<GatewayOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        var cancellationToken = context.RequestAborted;
        var request = context.Request;
        var (body, problem) = await PredictRequestReader.ReadJsonBodyAsync(request, settings, cancellationToken);
        if (body is null)
        {
            return problem!;
        }

        (var items, problem) = PredictRequestReader.Parse(body, settings, ParseItems);
        if (problem is not null)
        {
            return problem;
        }

        var directives = RequestDirectives.ParseCacheControl(request.Headers.CacheControl);
        var wait = RequestDirectives.ParsePreferWait(request.Headers["Prefer"], settings.MaxWaitSeconds) is { } seconds and > 0
            ? TimeSpan.FromSeconds(seconds)
            : (TimeSpan?)null;
        var tenant = context.GetCaller().Tenant;
        var answers = await Task.WhenAll(items!.Select((item, index) => AnswerAsync(cache, time, tenant, index, item, directives, wait, cancellationToken)));
        if (wait is { } applied && answers.Any(a => a.Status is "completed" or "failed"))
        {
            context.Response.Headers["Preference-Applied"] = $"wait={(int)applied.TotalSeconds}";
        }

        return TypedResults.Ok(new BatchPredictResponse(answers));
    }

    /// <summary>The items, each a request or its own problem; or the problem of the batch as a whole.</summary>
    private static (IReadOnlyList<(PredictRequest? Request, ProblemHttpResult? Problem)>? Items, ProblemHttpResult? Problem) ParseItems(
        JsonElement root, GatewayOptions options)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return (null, Problems.BadRequest("The body must be a JSON object with an \"items\" array: {\"items\": [{\"text\": \"...\"}]}."));
        }

        var count = items.GetArrayLength();
        if (count == 0)
        {
            return (null, Problems.BadRequest("\"items\" is empty."));
        }

        if (count > options.MaxBatchItems)
        {
            return (null, Problems.TooLarge($"The batch has {count} items; at most {options.MaxBatchItems} (Gateway:MaxBatchItems) are accepted."));
        }

        return ([.. items.EnumerateArray().Select(item => ParseItem(item, options))], null);
    }

    private static (PredictRequest? Request, ProblemHttpResult? Problem) ParseItem(JsonElement item, GatewayOptions options)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return (null, Problems.BadRequest($"An item must be a JSON object; it is {PredictRequestReader.Describe(item.ValueKind)}."));
        }

        try
        {
            return PredictRequestReader.ParseObject(item, options);
        }
        catch (InvalidOperationException ex)
        {
            return (null, Problems.BadRequest($"The item is not valid UTF-8 JSON text: {ex.Message}"));
        }
    }

    private static async Task<BatchPredictItem> AnswerAsync(
        PredictionService cache,
        TimeProvider time,
        string tenant,
        int index,
        (PredictRequest? Request, ProblemHttpResult? Problem) item,
        CacheDirectives directives,
        TimeSpan? wait,
        CancellationToken cancellationToken)
    {
        if (item.Problem is { } invalid)
        {
            return Error(index, null, null, invalid);
        }

        var (model, normalized, problem) = PredictEndpoints.Prepare(cache, item.Request!);
        if (problem is not null)
        {
            return Error(index, null, null, problem);
        }

        var outcome = await cache.PredictAsync(model!, item.Request!.Text, normalized!, directives, tenant, cancellationToken);
        switch (outcome.Status)
        {
            case PredictionStatus.Hit or PredictionStatus.Stale:
                return Cached(index, outcome.Key, outcome.Entry!, outcome.Status == PredictionStatus.Stale);
            case PredictionStatus.Failed:
                return Error(index, outcome.Key, outcome.JobId, Problems.InferenceFailed(outcome.JobId, outcome.Failure!.Error, outcome.Failure.TimedOut), "failed");
            case PredictionStatus.NotCached:
                return Error(index, outcome.Key, null, Problems.NotCached(outcome.Key));
            case PredictionStatus.Overloaded:
                return Error(index, outcome.Key, null, Problems.Overloaded());
            case PredictionStatus.TenantOverloaded:
                return Error(index, outcome.Key, null, Problems.TenantOverloaded());
        }

        if (wait is { } timeout && await cache.WaitAsync(outcome, normalized!, timeout, cancellationToken) is { Job.IsFinished: true } answer)
        {
            var job = answer.Job;
            if (job.Status == JobStatus.Completed)
            {
                return new BatchPredictItem(index, "completed", outcome.Key, job.Id, job.Result, Cached: false, null);
            }

            return answer.Fallback is { } fallback
                ? Cached(index, outcome.Key, fallback, fallback.IsStale(time.GetUtcNow()))
                : Error(index, outcome.Key, job.Id, Problems.InferenceFailed(job.Id, job.Error, job.TimedOut), "failed");
        }

        return new BatchPredictItem(index, "processing", outcome.Key, outcome.JobId, null, Cached: false, null);
    }

    private static BatchPredictItem Cached(int index, string key, CacheEntry entry, bool stale) =>
        new(index, stale ? "stale" : "hit", key, entry.JobId, entry.Result, Cached: true, null);

    private static BatchPredictItem Error(int index, string? key, Guid? jobId, ProblemHttpResult problem, string status = "error") =>
        new(index, status, key, jobId, null, Cached: false, new BatchItemError(
            problem.StatusCode, problem.ProblemDetails.Title ?? "", problem.ProblemDetails.Detail ?? ""));
}

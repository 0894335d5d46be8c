using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PredictionCache.Gateway.Infrastructure;
using PredictionCache.Gateway.Security;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Models;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Telemetry;

namespace PredictionCache.Gateway.Predict;

/// <summary><c>POST /predict</c>: hit, miss (202 + job), or wait for the job with <c>Prefer: wait</c>.</summary>
internal static partial class PredictEndpoints
{
    public static IEndpointRouteBuilder MapPredictEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/predict", PredictAsync)
            .RequireAuthorization(ApiKeyDefaults.Predict)
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

    internal static async Task<Results<CachedEntryResult, Ok<PredictResponse>, Accepted<PredictResponse>, ProblemHttpResult>> PredictAsync(
        HttpContext context, PredictionService cache, IOptions<GatewayOptions> options, TimeProvider time, ILogger<PredictRequest> logger)
    {
        var settings = options.Value;
        var cancellationToken = context.RequestAborted;
        var (request, problem) = await PredictRequestReader.ReadAsync(context.Request, settings, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var (model, normalized, invalid) = Prepare(cache, request!);
        if (invalid is not null)
        {
            return invalid;
        }

        var headers = context.Request.Headers;
        var directives = RequestDirectives.ParseCacheControl(headers.CacheControl);
        // One activity per request, named after its outcome once that is known; the inference it starts is its child.
        using var activity = CacheActivities.Source.StartActivity("predictioncache.request");
        var outcome = await cache.PredictAsync(model!, request!.Text, normalized!, directives, context.GetCaller().Tenant, cancellationToken);
        if (activity is not null)
        {
            Describe(activity, outcome, model!.Descriptor.Name);
        }

        var responseHeaders = context.Response.Headers;
        responseHeaders["X-Cache-Key"] = outcome.Key;
        if (outcome.Status is PredictionStatus.Hit or PredictionStatus.Stale)
        {
            // The hit path: no log scope, no serialization; the outcome is logged at Debug only when enabled.
            LogOutcome(logger, outcome.Key, outcome.JobId, outcome.Status);
            return Cached(outcome.Entry!, time);
        }

        // Every line logged about this request from here on carries its cache key and job id.
        using var scope = logger.BeginScope(new RequestLogScope(outcome.Key, outcome.JobId));
        LogOutcome(logger, outcome.Key, outcome.JobId, outcome.Status);
        switch (outcome.Status)
        {
            case PredictionStatus.Failed:
                // Negative caching: the failure remembered for the key, at once, without calling the model.
                responseHeaders["X-Cache"] = "NEGATIVE";
                return Problems.InferenceFailed(outcome.JobId, outcome.Failure!.Error, outcome.Failure.TimedOut);
            case PredictionStatus.NotCached:
                return Problems.NotCached(outcome.Key);
            case PredictionStatus.Overloaded:
                responseHeaders.RetryAfter = "1";
                return Problems.Overloaded();
            case PredictionStatus.TenantOverloaded:
                responseHeaders.RetryAfter = "1";
                return Problems.TenantOverloaded();
        }

        responseHeaders["X-Cache"] = "MISS";
        if (RequestDirectives.ParsePreferWait(headers["Prefer"], settings.MaxWaitSeconds) is { } wait and > 0)
        {
            var (job, fallback) = await cache.WaitAsync(outcome, normalized!, TimeSpan.FromSeconds(wait), cancellationToken);
            switch (job?.Status)
            {
                case JobStatus.Completed:
                    responseHeaders["Preference-Applied"] = $"wait={wait}";
                    return TypedResults.Ok(new PredictResponse(job.Id, "completed", job.Result, Cached: false));
                case JobStatus.Failed:
                    responseHeaders["Preference-Applied"] = $"wait={wait}";
                    return fallback is not null ? Cached(fallback, time) : Problems.InferenceFailed(job.Id, job.Error, job.TimedOut);
            }
        }

        return TypedResults.Accepted($"/jobs/{outcome.JobId}", new PredictResponse(outcome.JobId, "processing", null, Cached: false));
    }

    private static void Describe(Activity activity, PredictionOutcome outcome, string model)
    {
        activity.DisplayName = outcome.Status switch
        {
            PredictionStatus.Hit => CacheActivities.Hit,
            PredictionStatus.Joined => CacheActivities.CoalescedWait,
            PredictionStatus.Started => CacheActivities.Miss,
            PredictionStatus.Stale => "predictioncache.stale",
            PredictionStatus.Failed => "predictioncache.negative",
            _ => "predictioncache.refused",
        };
        activity.SetTag("predictioncache.outcome", outcome.Status.ToString());
        activity.SetTag(CacheActivities.CacheKeyTag, outcome.Key);
        activity.SetTag(CacheActivities.ModelTag, model);
        if (outcome.JobId != Guid.Empty)
        {
            activity.SetTag(CacheActivities.JobIdTag, outcome.JobId.ToString());
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request for {CacheKey} answered {Outcome} with job {JobId}")]
    private static partial void LogOutcome(ILogger logger, string cacheKey, Guid jobId, PredictionStatus outcome);

    /// <summary>The request's model and normalized text, or the <c>400</c> for an unknown model or unusable text.</summary>
    internal static (ServedModel? Model, string? NormalizedText, ProblemHttpResult? Problem) Prepare(PredictionService cache, PredictRequest request)
    {
        if (!cache.Models.TryGetServed(request.Model, out var served))
        {
            return (null, null, Problems.BadRequest($"Unknown model '{request.Model}'. Known models: {string.Join(", ", cache.Models.Models.Select(m => m.Name))}."));
        }

        // The model's own normalization policy: default (DESIGN.md's rules) or exact.
        var normalized = served.Normalize(request.Text);
        if (normalized is null)
        {
            return (null, null, Problems.BadRequest("\"text\" is not valid Unicode text: it holds an unpaired surrogate or a noncharacter such as U+FFFE."));
        }

        return normalized.Length == 0 ? (null, null, Problems.BadRequest("\"text\" is blank.")) : (served, normalized, null);
    }

    /// <summary>An answer from the cache: <c>X-Cache: HIT</c>, or <c>STALE</c> for an expired entry; its true <c>Age</c>.</summary>
    private static CachedEntryResult Cached(CacheEntry entry, TimeProvider time)
    {
        var now = time.GetUtcNow();
        return new CachedEntryResult(entry, entry.IsStale(now), now);
    }
}

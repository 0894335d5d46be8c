using Microsoft.AspNetCore.Http.HttpResults;

namespace PredictionCache.Gateway.Infrastructure;

/// <summary>The gateway's RFC 9457 problems, one place for their titles.</summary>
internal static class Problems
{
    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult TooLarge(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large");

    public static ProblemHttpResult UnsupportedMediaType(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");

    public static ProblemHttpResult NotCached(string key) =>
        TypedResults.Problem(
            "The request said only-if-cached and no fresh entry is cached.",
            statusCode: StatusCodes.Status504GatewayTimeout,
            title: "Not cached",
            extensions: new Dictionary<string, object?> { ["cache_key"] = key });

    public static ProblemHttpResult Overloaded() =>
        TypedResults.Problem(
            "The inference queue is full; retry later.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Overloaded");

    public static ProblemHttpResult InferenceFailed(Guid jobId, string? error) =>
        TypedResults.Problem(
            error ?? "Inference failed.",
            statusCode: StatusCodes.Status502BadGateway,
            title: "Inference failed",
            extensions: new Dictionary<string, object?> { ["job_id"] = jobId });
}

using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using PredictionCache.Silo.Storage;

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

    /// <summary>No API key, or one the gateway does not know (never echoed).</summary>
    public static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");

    /// <summary>A known API key without the role (or the reach beyond its tenant) the request needs.</summary>
    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    /// <summary>An API key over its rate limit.</summary>
    public static ProblemHttpResult TooManyRequests(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests");

    public static ProblemHttpResult NotCached(string key) =>
        TypedResults.Problem(
            "The request said only-if-cached and no fresh entry is cached.",
            statusCode: StatusCodes.Status504GatewayTimeout,
            title: "Not cached",
            extensions: new Dictionary<string, object?> { ["cache_key"] = key });

    public static ProblemHttpResult Overloaded() =>
        TypedResults.Problem(
            "The inference queue is full; retry later.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Overloaded");

    /// <summary>The caller's tenant has its limit of inferences in flight; other tenants are not refused.</summary>
    public static ProblemHttpResult TenantOverloaded() =>
        TypedResults.Problem(
            "Your tenant has its limit of inferences in flight (Tenants:MaxInflight); retry later.",
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Tenant at its limit");

    /// <summary>
    /// A failed inference: <c>504</c> when it failed by taking too long, else <c>502</c>; the detail and the
    /// <c>job_id</c> member name the failed job, so a client can look it up with <c>GET /jobs/{id}</c>.
    /// </summary>
    public static ProblemHttpResult InferenceFailed(Guid jobId, string? error, bool timedOut) =>
        TypedResults.Problem(
            $"Job {jobId} failed: {error ?? "inference failed."}",
            statusCode: timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
            title: timedOut ? "Inference timed out" : "Inference failed",
            extensions: new Dictionary<string, object?> { ["job_id"] = jobId, ["timed_out"] = timedOut });

    /// <summary>
    /// The problem for a status code set without a body (no endpoint, wrong method, wrong media type). Written as a
    /// <see cref="ProblemHttpResult"/>, which falls back to plain problem+json when the problem details service
    /// declines a client's Accept header: the framework's own page would be text/plain and have no detail.
    /// </summary>
    public static Task WriteForStatusCodeAsync(HttpContext context)
    {
        var request = context.Request;
        var status = context.Response.StatusCode;
        var allowed = context.Response.Headers.Allow.ToString();
        var detail = status switch
        {
            StatusCodes.Status404NotFound => $"Nothing answers {request.Method} {request.Path}.",
            StatusCodes.Status405MethodNotAllowed when allowed.Length > 0 => $"{request.Method} is not allowed on {request.Path}; use {allowed}.",
            StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed on {request.Path}.",
            StatusCodes.Status415UnsupportedMediaType => $"Content-Type '{request.ContentType}' is not accepted on {request.Path}: send application/json.",
            _ => $"The request to {request.Method} {request.Path} failed with status {status}.",
        };
        return TypedResults.Problem(detail, statusCode: status).ExecuteAsync(context);
    }

    /// <summary>
    /// The one mapping from an exception to its status: a client's bad request keeps its own 4xx; a silo shutting down or
    /// unreachable, and storage down or unreachable, are 503 (the request may succeed on retry, and nothing was lost — a
    /// job is only announced once its row has committed); anything else is a fault, 500.
    /// </summary>
    public static int StatusOf(Exception? error) => error switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        _ when IsClusterUnavailable(error) => StatusCodes.Status503ServiceUnavailable,
        _ when IsStorageDown(error) => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>
    /// The grain tier cannot take the call now: a silo shutting down, dead or unreachable (a call to it rejected or timed
    /// out), the Orleans client not connected to any silo, or Redis (membership, grain directory) down. Orleans reports a
    /// failure of its own machinery (placement, the grain directory: "Lookup failed for ...") as a bare
    /// <see cref="OrleansException"/> whose cause it keeps only as text once the error has crossed its messaging; no
    /// request's content causes one, so it is a retryable 503 too (and logged).
    /// </summary>
    private static bool IsClusterUnavailable(Exception? error) => AnyInChain(error, static e =>
        e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or GatewayTooBusyException
            or Orleans.Runtime.Messaging.ConnectionFailedException or StackExchange.Redis.RedisException
        || e.GetType() == typeof(OrleansException));

    /// <summary>
    /// Storage down or unreachable: the exception itself, or the one Orleans wraps it in when a grain's state could not
    /// be read as the grain activated (<c>OrleansException</c>: "Error from storage provider ...").
    /// </summary>
    private static bool IsStorageDown(Exception? error) => AnyInChain(error, static e => e is DbException or StorageUnavailableException);

    /// <summary>Whether <paramref name="error"/> or any exception it wraps (its inner exceptions, outward in) matches.</summary>
    private static bool AnyInChain(Exception? error, Func<Exception, bool> matches)
    {
        for (var current = error; current is not null; current = current.InnerException)
        {
            if (matches(current))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The problem for an unhandled exception: a client's bad request says what was wrong; a fault says nothing of the server's internals.</summary>
    public static Task WriteForExceptionAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        switch (error)
        {
            case BadHttpRequestException bad:
                return TypedResults.Problem(bad.Message, statusCode: StatusOf(bad)).ExecuteAsync(context);
            case not null when IsStorageDown(error):
                context.Response.Headers.RetryAfter = "5";
                return TypedResults.Problem(
                    "The cache's storage is unavailable; retry in a moment.",
                    statusCode: StatusOf(error),
                    title: "Storage unavailable").ExecuteAsync(context);
            case not null when IsClusterUnavailable(error):
                context.Response.Headers.RetryAfter = "1";
                return TypedResults.Problem(
                    "The cluster cannot take the request now (a node is stopping or unreachable, or its coordination store is down); retry in a moment or on another node.",
                    statusCode: StatusOf(error),
                    title: "Cluster unavailable").ExecuteAsync(context);
            default:
                return TypedResults.Problem(
                    "The gateway failed to answer; the error is logged.", statusCode: StatusOf(error), title: "Internal error").ExecuteAsync(context);
        }
    }
}

using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using PredictionCache.Gateway.Infrastructure;

namespace PredictionCache.Gateway.Security;

/// <summary>
/// The per-key rate limit: ASP.NET Core's rate limiter with a global limiter partitioned by the caller's key name, a
/// token bucket per key (<c>RequestsPerSecond</c>, <c>Burst</c>, no queue). Requests with no key (health, the API
/// description, and refused ones, which never reach it) are not limited. A refusal is <c>429</c> problem+json with
/// <c>Retry-After</c> in whole seconds (at least 1).
/// </summary>
internal static partial class KeyRateLimits
{
    public static void Configure(RateLimiterOptions options, ApiKeyRing ring, SecurityMetrics metrics, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = loggerFactory.CreateLogger(typeof(KeyRateLimits));
        // One delegate for every partition: the per-request partitioner allocates nothing (a partition is a struct).
        Func<string, RateLimiter> create = name => CreateLimiter(ring[name]);
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(
            context => context.Features.Get<Caller>() is { } caller
                ? RateLimitPartition.Get(caller.Name, create)
                : RateLimitPartition.GetNoLimiter(""),
            StringComparer.Ordinal);
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = (context, _) => RejectAsync(context, metrics, logger);
    }

    /// <summary>
    /// A whole number of tokens per period at the key's rate (100/s: 100 per second; 0.5/s: 1 per 2 s), replenished by
    /// the partitioned limiter's own 100 ms heartbeat (AutoReplenishment off, as it expects).
    /// </summary>
    private static TokenBucketRateLimiter CreateLimiter(ApiKey key)
    {
        var tokens = (int)Math.Ceiling(key.RequestsPerSecond);
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = key.Burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = TimeSpan.FromSeconds(tokens / key.RequestsPerSecond),
            QueueLimit = 0,
            AutoReplenishment = false,
        });
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, SecurityMetrics metrics, ILogger logger)
    {
        var context = rejected.HttpContext;
        var name = context.Features.Get<Caller>()?.Name ?? "";
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        var retry = seconds.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers.RetryAfter = retry;
        metrics.RateLimited(name);
        LogRateLimited(logger, name, context.Request.Method, context.Request.Path, seconds);
        await Problems.TooManyRequests(
            $"The API key '{name}' is over its rate limit (Auth:Keys:N:RequestsPerSecond, Burst); retry in {retry} s.").ExecuteAsync(context);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} refused to the API key {KeyName} (429): over its rate limit, retry in {RetryAfterSeconds} s")]
    private static partial void LogRateLimited(ILogger logger, string keyName, string method, PathString path, long retryAfterSeconds);
}

using System.Globalization;
using System.Text.Json;
using PredictionCache.Grains.Prediction;

namespace PredictionCache.Gateway.Predict;

/// <summary>
/// A <c>200</c> answered from the cache: <c>X-Cache: HIT</c> (or <c>STALE</c>), the entry's true <c>Age</c>, and the
/// body <see cref="PredictResponse"/> would serialize to, made once per entry (<see cref="CacheEntry.HitBody"/>) and
/// written as bytes: a hit serializes nothing.
/// </summary>
internal sealed class CachedEntryResult(CacheEntry entry, bool stale, DateTimeOffset now) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    private static readonly Func<CacheEntry, byte[]> Render = RenderBody;

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => "application/json; charset=utf-8";

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var body = entry.HitBody(Render);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.ContentLength = body.Length;
        response.Headers["X-Cache"] = stale ? "STALE" : "HIT";
        response.Headers.Age = Math.Max(0, (long)(now - entry.CreatedAt).TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
    }

    /// <summary>The hit body: <c>{"job_id", "status": "completed", "result", "cached": true}</c>, as PredictResponse writes it.</summary>
    internal static byte[] RenderBody(CacheEntry entry)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("job_id", entry.JobId);
            writer.WriteString("status", "completed");
            writer.WritePropertyName("result");
            if (entry.Result is { } result)
            {
                writer.WriteRawValue(result.Utf8Json.Span, skipInputValidation: true);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteBoolean("cached", true);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}

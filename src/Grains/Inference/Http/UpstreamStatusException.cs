namespace PredictionCache.Grains.Inference.Http;

/// <summary>A model server answered with a status other than 2xx.</summary>
internal sealed class UpstreamStatusException(int statusCode)
    : Exception($"The model server answered {statusCode}.")
{
    public int StatusCode { get; } = statusCode;

    /// <summary>Worth another try: 408, 429 and every 5xx.</summary>
    public bool IsTransient => StatusCode is 408 or 429 or >= 500;
}

namespace PredictionCache.Grains.Inference;

/// <summary>What one inference produced: a result, or the reason it failed and whether it failed by timing out.</summary>
/// <param name="Result">The prediction; null when it failed.</param>
/// <param name="Error">Why it failed; null when it succeeded.</param>
/// <param name="TimedOut">True when it failed because it took too long (the gateway's 504, not 502).</param>
[GenerateSerializer, Immutable, Alias("predictioncache.inference-outcome")]
public readonly record struct InferenceOutcome(
    [property: Id(0)] PredictionResult? Result, [property: Id(1)] string? Error, [property: Id(2)] bool TimedOut = false)
{
    internal static InferenceOutcome Success(PredictionResult result) => new(result, null);

    internal static InferenceOutcome Failure(string error) => new(null, error);

    internal static InferenceOutcome Timeout(string error) => new(null, error, TimedOut: true);
}

namespace PredictionCache.Grains.Inference;

/// <summary>What one inference produced: a result, or the reason it failed.</summary>
/// <param name="Result">The prediction; null when it failed.</param>
/// <param name="Error">Why it failed; null when it succeeded.</param>
internal readonly record struct InferenceOutcome(PredictionResult? Result, string? Error)
{
    public static InferenceOutcome Success(PredictionResult result) => new(result, null);

    public static InferenceOutcome Failure(string error) => new(null, error);
}

using PredictionCache.Grains.Inference;

namespace PredictionCache.Gateway.Predict;

/// <summary>The body of <c>POST /predict</c>.</summary>
/// <param name="Text">The input; required, not blank.</param>
/// <param name="Model">The model's name; the default model when absent.</param>
public sealed record PredictRequest(string Text, string? Model);

/// <summary>The answer of <c>POST /predict</c>.</summary>
/// <param name="JobId">The job that produced (or will produce) the prediction.</param>
/// <param name="Status"><c>completed</c> or <c>processing</c>.</param>
/// <param name="Result">The prediction, when completed.</param>
/// <param name="Cached">True when answered from the cache.</param>
public sealed record PredictResponse(Guid JobId, string Status, PredictionResult? Result, bool Cached);

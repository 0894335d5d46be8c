using PredictionCache.Grains.Models;

namespace PredictionCache.Grains.Inference;

/// <summary>Runs one model: the built-in one, or (later) a remote model server.</summary>
public interface IInferenceBackend
{
    /// <summary>The model this backend serves.</summary>
    ModelDescriptor Model { get; }

    /// <summary>Infers the prediction for <paramref name="normalizedText"/>.</summary>
    /// <exception cref="InferenceFailedException">The model could not answer.</exception>
    Task<PredictionResult> InferAsync(string normalizedText, CancellationToken cancellationToken = default);
}

/// <summary>Thrown by a backend that could not produce a prediction; the job fails with its message and nothing is cached.</summary>
public sealed class InferenceFailedException : Exception
{
    /// <summary>Creates the exception for <paramref name="model"/>.</summary>
    public InferenceFailedException(ModelDescriptor model, string message, Exception? innerException = null)
        : base(message, innerException) => Model = model;

    /// <summary>The model that failed.</summary>
    public ModelDescriptor Model { get; }
}

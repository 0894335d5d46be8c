using PredictionCache.Grains.Models;

namespace PredictionCache.Grains.Inference;

/// <summary>
/// An inference took longer than it was allowed: thrown by a backend whose own timeout ran out (an HTTP model
/// server that did not answer in time). The gateway tells it apart from other failures: <c>504</c>, not <c>502</c>.
/// </summary>
public sealed class InferenceTimeoutException : Exception
{
    /// <summary>Creates the exception for <paramref name="model"/> and the <paramref name="timeout"/> that ran out.</summary>
    public InferenceTimeoutException(ModelDescriptor model, TimeSpan timeout, Exception? innerException = null)
        : base($"Inference by model '{model?.Name}' timed out after {timeout.TotalSeconds:0.###} s.", innerException)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Timeout = timeout;
    }

    /// <summary>The model.</summary>
    public ModelDescriptor Model { get; }

    /// <summary>The time allowed.</summary>
    public TimeSpan Timeout { get; }
}

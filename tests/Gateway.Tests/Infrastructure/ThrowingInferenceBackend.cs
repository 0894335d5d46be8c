using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Models;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>A model that always fails, as a model server that is down would.</summary>
public sealed class ThrowingInferenceBackend : IInferenceBackend
{
    private int _calls;

    public ModelDescriptor Model { get; } = new("sentiment", "down-1");

    public int Calls => Volatile.Read(ref _calls);

    public Task<PredictionResult> InferAsync(string normalizedText, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        throw new InferenceFailedException(Model, "The model is down.");
    }
}

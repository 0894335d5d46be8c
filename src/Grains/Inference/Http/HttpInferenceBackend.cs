using PredictionCache.Grains.Models;

namespace PredictionCache.Grains.Inference.Http;

/// <summary>A model on a remote model server (KServe V1 or Open Inference V2), its misses micro-batched.</summary>
internal sealed class HttpInferenceBackend(ModelDescriptor model, ModelServerClient client, MicroBatcher batcher) : IInferenceBackend, IAsyncDisposable, IDisposable
{
    public ModelDescriptor Model { get; } = model;

    /// <summary>Where batches go.</summary>
    public Uri InferUri => client.InferUri;

    public Task<PredictionResult> InferAsync(string normalizedText, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(normalizedText);
        return batcher.InferAsync(normalizedText, cancellationToken);
    }

    public ValueTask DisposeAsync() => batcher.DisposeAsync();

    public void Dispose() => batcher.Dispose();
}

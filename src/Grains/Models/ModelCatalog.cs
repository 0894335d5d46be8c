using System.Diagnostics.CodeAnalysis;
using PredictionCache.Grains.Inference.Http;

namespace PredictionCache.Grains.Models;

/// <summary>The models the gateway serves, each with its inference backend, TTL and counters; one is the default.</summary>
public sealed class ModelCatalog : IAsyncDisposable, IDisposable
{
    private readonly Dictionary<string, ServedModel> _models;
    private readonly IReadOnlyList<HttpInferenceBackend> _owned;

    internal ModelCatalog(IReadOnlyList<ServedModel> models, IReadOnlyList<HttpInferenceBackend> owned)
    {
        if (models.Count == 0)
        {
            throw new InvalidOperationException("No model is configured.");
        }

        Served = models;
        _models = models.ToDictionary(m => m.Descriptor.Name, StringComparer.Ordinal);
        DefaultModel = models.FirstOrDefault(m => m.IsDefault) ?? models[0];
        _owned = owned;
    }

    /// <summary>The model used when a request names none.</summary>
    public ModelDescriptor Default => DefaultModel.Descriptor;

    /// <summary>The default model as served.</summary>
    public ServedModel DefaultModel { get; }

    /// <summary>All models.</summary>
    public IEnumerable<ModelDescriptor> Models => Served.Select(m => m.Descriptor);

    /// <summary>All models as served, in configuration order.</summary>
    public IReadOnlyList<ServedModel> Served { get; }

    /// <summary>Finds a served model by name; null or empty gives the default.</summary>
    public bool TryGetServed(string? name, [NotNullWhen(true)] out ServedModel? model)
    {
        if (string.IsNullOrEmpty(name))
        {
            model = DefaultModel;
            return true;
        }

        return _models.TryGetValue(name, out model);
    }

    /// <summary>How long entries of the model named <paramref name="modelName"/> stay fresh.</summary>
    public TimeSpan TtlOf(string modelName) => Get(modelName).Ttl;

    /// <summary>Stops the HTTP backends' batchers.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    /// <summary>Stops the HTTP backends' batchers without waiting for them.</summary>
    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    internal ServedModel Get(string modelName) => _models[modelName];
}

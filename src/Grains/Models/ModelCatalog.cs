using System.Diagnostics.CodeAnalysis;
using PredictionCache.Grains.Inference;

namespace PredictionCache.Grains.Models;

/// <summary>The models the gateway serves, each with its inference backend; one is the default.</summary>
public sealed class ModelCatalog
{
    private readonly Dictionary<string, (ModelDescriptor Model, IInferenceBackend Backend)> _models;

    /// <summary>Creates the catalog; the first backend's model is the default.</summary>
    public ModelCatalog(IEnumerable<IInferenceBackend> backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        _models = backends.ToDictionary(b => b.Model.Name, b => (b.Model, b), StringComparer.Ordinal);
        Default = _models.Values.FirstOrDefault().Model ?? throw new InvalidOperationException("No model is configured.");
    }

    /// <summary>The model used when a request names none.</summary>
    public ModelDescriptor Default { get; }

    /// <summary>All models.</summary>
    public IEnumerable<ModelDescriptor> Models => _models.Values.Select(m => m.Model);

    /// <summary>Finds a model by name; null or empty gives the default.</summary>
    public bool TryGet(string? name, [NotNullWhen(true)] out ModelDescriptor? model)
    {
        if (string.IsNullOrEmpty(name))
        {
            model = Default;
            return true;
        }

        var found = _models.TryGetValue(name, out var entry);
        model = found ? entry.Model : null;
        return found;
    }

    /// <summary>The backend serving the model named <paramref name="modelName"/>.</summary>
    public IInferenceBackend BackendOf(string modelName) => _models[modelName].Backend;
}

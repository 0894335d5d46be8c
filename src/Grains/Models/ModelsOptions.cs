namespace PredictionCache.Grains.Models;

/// <summary>The <c>Models</c> list; empty serves the built-in sentiment model alone.</summary>
public sealed class ModelsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Models";

    /// <summary><value>The models, in configuration order.</value></summary>
    public List<ModelOptions> Models { get; } = [];
}

using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Grains.Inference.Builtin;

/// <summary>Options of the built-in sentiment model (section <c>Inference:Builtin</c>).</summary>
public sealed class BuiltinModelOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Inference:Builtin";

    /// <summary><value>Extra milliseconds per inference, to make caching visible in demos. Range 0–600,000; default 0.</value></summary>
    [Range(0, 600_000)]
    public int DelayMs { get; set; }
}

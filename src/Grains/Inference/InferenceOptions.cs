using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Grains.Inference;

/// <summary>Inference options (section <c>Inference</c>).</summary>
public sealed class InferenceOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Inference";

    /// <summary><value>Inferences running at once. Range 1–10,000; default 64.</value></summary>
    [Range(1, 10_000)]
    public int MaxConcurrency { get; set; } = 64;

    /// <summary><value>Inferences waiting for a slot beyond those running; more misses are refused (503). Range 0–1,000,000; default 10,000.</value></summary>
    [Range(0, 1_000_000)]
    public int MaxQueueLength { get; set; } = 10_000;

    /// <summary><value>Seconds one inference may take before its job fails. Range 1–3600; default 30.</value></summary>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 30;
}

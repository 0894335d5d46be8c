using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Grains.Models;

/// <summary>Micro-batching of HTTP models (section <c>Batching</c>); a model's own settings override these.</summary>
public sealed class BatchingOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Batching";

    /// <summary><value>Distinct misses sent in one upstream request; 1 turns batching off. Range 1–10,000; default 32.</value></summary>
    [Range(1, 10_000)]
    public int MaxBatchSize { get; set; } = 32;

    /// <summary><value>Milliseconds a batch waits for more misses once it has one; 0 sends what is queued at once. Range 0–10,000; default 5.</value></summary>
    [Range(0, 10_000)]
    public int MaxDelayMs { get; set; } = 5;
}

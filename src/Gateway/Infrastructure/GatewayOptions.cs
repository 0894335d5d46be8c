using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Gateway.Infrastructure;

/// <summary>HTTP gateway options (section <c>Gateway</c>).</summary>
public sealed class GatewayOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Gateway";

    /// <summary>
    /// <value>
    /// <c>CoHosted</c> (default): the process is a gateway and a silo. <c>Client</c>: it is only an Orleans client of a
    /// grain tier of <c>src/Silo</c> processes (read once, at start-up).
    /// </value>
    /// </summary>
    public GatewayTopology Topology { get; set; } = GatewayTopology.CoHosted;

    /// <summary><value>Largest <c>text</c>, in bytes of UTF-8; larger is a 413. Range 1–16,777,216; default 65,536.</value></summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxTextBytes { get; set; } = 65_536;

    /// <summary><value>Largest request body, in bytes; larger is a 413. Must be at least MaxTextBytes + 1024. Range 1024–67,108,864; default 1,048,576.</value></summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary><value>Longest <c>Prefer: wait</c> honoured, in seconds; longer waits are cut to it. Range 0–600; default 60.</value></summary>
    [Range(0, 600)]
    public int MaxWaitSeconds { get; set; } = 60;

    /// <summary><value>Most items in one <c>POST /predict/batch</c>; more is a 413. Range 1–10,000; default 256.</value></summary>
    [Range(1, 10_000)]
    public int MaxBatchItems { get; set; } = 256;

    /// <summary><value>Deepest JSON nesting accepted in a request body. Range 1–256; default 16.</value></summary>
    [Range(1, 256)]
    public int MaxJsonDepth { get; set; } = 16;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxRequestBytes < MaxTextBytes + 1024L)
        {
            yield return new ValidationResult(
                $"Gateway:MaxRequestBytes is {MaxRequestBytes}; it must be at least Gateway:MaxTextBytes + 1024 ({MaxTextBytes + 1024L}).",
                [nameof(MaxRequestBytes)]);
        }
    }
}

using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Silo;

/// <summary>Grain storage options (section <c>Storage</c>).</summary>
public sealed class StorageOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Storage";

    /// <summary>The providers this build has.</summary>
    public static readonly IReadOnlyList<string> SupportedProviders = ["memory"];

    /// <summary><value>The grain storage provider. One of: <c>memory</c>. Default <c>memory</c>.</value></summary>
    public string Provider { get; set; } = "memory";

    /// <summary><value>The provider's connection string; unused by <c>memory</c>. Never logged.</value></summary>
    public string? ConnectionString { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!SupportedProviders.Contains(Provider, StringComparer.OrdinalIgnoreCase))
        {
            yield return new ValidationResult(
                $"Storage:Provider is '{Provider}'; it must be one of: {string.Join(", ", SupportedProviders)}.",
                [nameof(Provider)]);
        }
    }
}

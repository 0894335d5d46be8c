using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Grains.Storage;

/// <summary>Grain storage options (section <c>Storage</c>).</summary>
public sealed class StorageOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Storage";

    /// <summary>The providers this build has.</summary>
    public static readonly IReadOnlyList<string> SupportedProviders = ["sqlite", "postgres", "memory"];

    /// <summary>
    /// <value>The grain storage provider: <c>sqlite</c> (embedded, a file), <c>postgres</c> (a server, shared by a
    /// cluster) or <c>memory</c> (tests and throwaway runs; nothing survives a restart). Default <c>sqlite</c>.</value>
    /// </summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>
    /// <value>The provider's connection string; unused by <c>memory</c>. Default
    /// <c>Data Source=data/predictioncache.db</c> for <c>sqlite</c>; <c>postgres</c> needs one. Never logged.</value>
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary><value>The most records a state table keeps; the least recently used beyond it are trimmed in the background. 1 to 1,000,000,000. Default 1,000,000.</value></summary>
    [Range(1, 1_000_000_000)]
    public long MaxEntries { get; set; } = 1_000_000;

    /// <summary><value>Seconds between background upkeep passes: access times written, expired records swept, the table trimmed. 0.05 to 3600. Default 5.</value></summary>
    [Range(0.05, 3600)]
    public double MaintenanceIntervalSeconds { get; set; } = 5;

    /// <summary><value>The most writes committed in one transaction (group commit). 1 to 10,000. Default 256.</value></summary>
    [Range(1, 10_000)]
    public int MaxWriteBatch { get; set; } = 256;

    /// <summary>True for the providers that keep data in a database (<c>sqlite</c>, <c>postgres</c>).</summary>
    public bool IsDurable => !string.Equals(Provider, "memory", StringComparison.OrdinalIgnoreCase);

    /// <summary>The connection string in effect: <see cref="ConnectionString"/>, or the default for <c>sqlite</c>.</summary>
    public string? EffectiveConnectionString =>
        !string.IsNullOrWhiteSpace(ConnectionString) ? ConnectionString
        : string.Equals(Provider, "sqlite", StringComparison.OrdinalIgnoreCase) ? "Data Source=data/predictioncache.db"
        : null;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!SupportedProviders.Contains(Provider, StringComparer.OrdinalIgnoreCase))
        {
            yield return new ValidationResult(
                $"Storage:Provider is '{Provider}'; it must be one of: {string.Join(", ", SupportedProviders)}.",
                [nameof(Provider)]);
        }
        else if (string.Equals(Provider, "postgres", StringComparison.OrdinalIgnoreCase) && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult(
                "Storage:ConnectionString is empty; the postgres provider needs one (e.g. 'Host=127.0.0.1;Username=app;Database=predictioncache').",
                [nameof(ConnectionString)]);
        }
    }
}

using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Silo;

/// <summary>Idle collection options (section <c>Silo:Collection</c>), as Orleans' <c>GrainCollectionOptions</c>.</summary>
public sealed class GrainCollectionOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Silo:Collection";

    /// <summary><value>How long an activation may stay unused before it is collected. At least 1 s; default 15 minutes.</value></summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary><value>How often idle collection runs. At least 100 ms; default 1 minute.</value></summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "1.00:00:00")]
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);
}

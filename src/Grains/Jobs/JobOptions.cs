using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Grains.Jobs;

/// <summary>Job options (section <c>Jobs</c>).</summary>
public sealed class JobOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Jobs";

    /// <summary><value>Hours a finished job is kept before it is deleted. Range 1–8760; default 24.</value></summary>
    [Range(1, 8760)]
    public int RetentionHours { get; set; } = 24;

    /// <summary><value>Minutes between sweeps of expired jobs. Range 1–1440; default 5.</value></summary>
    [Range(1, 1440)]
    public int SweepIntervalMinutes { get; set; } = 5;
}

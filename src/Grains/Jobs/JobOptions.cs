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

    /// <summary>
    /// <value>
    /// Milliseconds between reads of a shared job store by a client waiting on a job (<c>Prefer: wait</c>) that another
    /// node runs; a job this node finishes wakes its waiters at once. Range 10–10000; default 100.
    /// </value>
    /// </summary>
    [Range(10, 10_000)]
    public int WaitPollMilliseconds { get; set; } = 100;
}

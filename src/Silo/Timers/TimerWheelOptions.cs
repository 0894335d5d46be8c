using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Silo;

/// <summary>Options of the silo's shared timer wheel (section <c>Silo:Timers</c>).</summary>
public sealed class TimerWheelOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Silo:Timers";

    /// <summary>
    /// <value>Milliseconds between wheel ticks: a grain timer fires up to this late. Range 1–60000; default 50.</value>
    /// </summary>
    [Range(1, 60_000)]
    public int ResolutionMs { get; set; } = 50;

    /// <summary>
    /// <value>Slots in the wheel, a power of two; timers further out than slots × resolution wait extra rounds. Range 16–1048576; default 4096.</value>
    /// </summary>
    [Range(16, 1 << 20)]
    public int Slots { get; set; } = 4096;
}

using PredictionCache.Grains.Inference;

namespace PredictionCache.Grains.Jobs;

/// <summary>One inference job: created by a miss, shared by every concurrent identical miss.</summary>
/// <param name="Id">The job's id.</param>
/// <param name="Key">The cache key it fills.</param>
/// <param name="Model">The model's name.</param>
/// <param name="InputText">The text the first client sent.</param>
/// <param name="Status">Processing, completed or failed.</param>
/// <param name="Result">The prediction, once completed.</param>
/// <param name="Error">Why it failed, once failed.</param>
/// <param name="CreatedAt">When the miss created it.</param>
/// <param name="CompletedAt">When it completed or failed.</param>
/// <param name="TimedOut">True when it failed because the inference took too long (the gateway's 504, not 502).</param>
/// <param name="Owner">
/// The silo running its inference (<c>ip:port@generation</c>); null in memory. Survivors settle a dead silo's
/// processing jobs by it, and a restarted node its own earlier generations' (<c>SqlJobStore</c>).
/// </param>
/// <param name="Tenant">The tenant whose request created it; empty for none (a global key, or a shared model's job).</param>
public sealed record JobRecord(
    Guid Id,
    string Key,
    string Model,
    string InputText,
    JobStatus Status,
    PredictionResult? Result,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    bool TimedOut = false,
    string? Owner = null,
    string Tenant = "")
{
    /// <summary>True once completed or failed.</summary>
    public bool IsFinished => Status != JobStatus.Processing;
}

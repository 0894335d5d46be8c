namespace PredictionCache.Grains.Jobs;

/// <summary>Where a job is: <c>processing</c> until it is <c>completed</c> or <c>failed</c>.</summary>
public enum JobStatus
{
    /// <summary>Inference is queued or running.</summary>
    Processing,

    /// <summary>The result is in.</summary>
    Completed,

    /// <summary>Inference failed; <see cref="JobRecord.Error"/> says why.</summary>
    Failed,
}

using Microsoft.Extensions.Logging;

namespace PredictionCache.Grains.Prediction;

internal static partial class PredictionLog
{
    [LoggerMessage(100, LogLevel.Debug, "Inference started for {CacheKey} as job {JobId}")]
    public static partial void InferenceStarted(ILogger logger, string cacheKey, Guid jobId);

    [LoggerMessage(101, LogLevel.Warning, "Inference failed for {CacheKey}, job {JobId}: {Error}")]
    public static partial void InferenceFailed(ILogger logger, string cacheKey, Guid jobId, string error);

    [LoggerMessage(102, LogLevel.Error, "Storing the entry for {CacheKey}, job {JobId}, failed; the result is not cached")]
    public static partial void StoreFailed(ILogger logger, Exception exception, string cacheKey, Guid jobId);

    [LoggerMessage(103, LogLevel.Error, "Completing job {JobId} for {CacheKey} failed")]
    public static partial void JobCompletionFailed(ILogger logger, Exception exception, string cacheKey, Guid jobId);

    [LoggerMessage(105, LogLevel.Warning, "Unregistering {CacheKey} from its directory shard at deactivation failed")]
    public static partial void UnregisterFailed(ILogger logger, Exception exception, string cacheKey);

    [LoggerMessage(106, LogLevel.Warning, "Bringing the outcome of job {JobId} back to {CacheKey} failed; the job is completed directly")]
    public static partial void CompletionCallFailed(ILogger logger, Exception exception, string cacheKey, Guid jobId);

    [LoggerMessage(104, LogLevel.Warning, "Flushing touches to directory shard {Shard} failed")]
    public static partial void TouchFlushFailed(ILogger logger, Exception exception, int shard);
}

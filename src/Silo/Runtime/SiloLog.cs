using Microsoft.Extensions.Logging;

namespace PredictionCache.Silo.Runtime;

internal static partial class SiloLog
{
    [LoggerMessage(1, LogLevel.Warning, "Activation of {GrainId} failed")]
    public static partial void ActivationFailed(ILogger logger, Exception exception, GrainId grainId);

    [LoggerMessage(2, LogLevel.Warning, "OnDeactivateAsync of {GrainId} failed")]
    public static partial void DeactivationFailed(ILogger logger, Exception exception, GrainId grainId);

    [LoggerMessage(3, LogLevel.Warning, "A timer callback of {GrainId} failed")]
    public static partial void TimerCallbackFailed(ILogger logger, Exception exception, GrainId grainId);

    [LoggerMessage(4, LogLevel.Debug, "Idle collection deactivated {Count} activations")]
    public static partial void IdleCollected(ILogger logger, int count);

    [LoggerMessage(5, LogLevel.Information, "Silo stopping: deactivating {Count} activations")]
    public static partial void ShuttingDown(ILogger logger, int count);
}

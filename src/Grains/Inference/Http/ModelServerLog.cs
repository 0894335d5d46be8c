using Microsoft.Extensions.Logging;

namespace PredictionCache.Grains.Inference.Http;

internal static partial class ModelServerLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Model {Model}: upstream attempt {Attempt} failed ({Error}); retrying in {DelayMs} ms.")]
    public static partial void Retrying(ILogger logger, string model, int attempt, string error, double delayMs);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error,
        Message = "Model {Model}: circuit opened for {BreakSeconds} s after failures ({Error}); calls are refused meanwhile.")]
    public static partial void CircuitOpened(ILogger logger, string model, double breakSeconds, string error);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Model {Model}: circuit closed; the model server answers again.")]
    public static partial void CircuitClosed(ILogger logger, string model);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Model {Model}: batch of {Count} failed: {Error}")]
    public static partial void BatchFailed(ILogger logger, string model, int count, string error);
}

using Microsoft.Extensions.Options;
using PredictionCache.Grains.Models;

namespace PredictionCache.Grains.Inference.Builtin;

/// <summary>The built-in model: lexicon-based English sentiment, answering <c>{"sentiment", "confidence", "score"}</c>.</summary>
internal sealed class BuiltinSentimentBackend(TimeProvider time, IOptions<BuiltinModelOptions> options, ModelDescriptor? model = null) : IInferenceBackend
{
    /// <summary>The built-in model's descriptor.</summary>
    public static readonly ModelDescriptor Descriptor = new("sentiment", "afinn-165-1");

    private static readonly SentimentAnalyzer Analyzer = new();

    private readonly TimeSpan _delay = TimeSpan.FromMilliseconds(options.Value.DelayMs);

    public ModelDescriptor Model { get; } = model ?? Descriptor;

    public async Task<PredictionResult> InferAsync(string normalizedText, CancellationToken cancellationToken = default)
    {
        if (_delay > TimeSpan.Zero)
        {
            await Task.Delay(_delay, time, cancellationToken);
        }

        return PredictionResult.From(Analyzer.Analyze(normalizedText), GrainsJsonContext.Default.SentimentScore);
    }
}

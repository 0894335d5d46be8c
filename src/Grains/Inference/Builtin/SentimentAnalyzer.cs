namespace PredictionCache.Grains.Inference.Builtin;

// TEMPORARY build placeholder until the builtin-model branch is merged (it replaces this file).
internal sealed class SentimentAnalyzer
{
    public SentimentScore Analyze(string text) => new("neutral", text.Length % 2, 0);
}

namespace PredictionCache.Grains.Inference.Builtin;

/// <summary>
/// The result of the built-in sentiment model for one text.
/// </summary>
/// <param name="Sentiment">
/// <see cref="Positive"/>, <see cref="Negative"/> or <see cref="Neutral"/>.
/// </param>
/// <param name="Confidence">How sure the model is of <paramref name="Sentiment"/>, in [0, 1], rounded to 4 decimals.</param>
/// <param name="Score">Polarity in [-1, 1] (negative to positive), rounded to 4 decimals.</param>
public sealed record SentimentScore(string Sentiment, double Confidence, double Score)
{
    /// <summary>The label of a text whose score is at or above the positive threshold.</summary>
    public const string Positive = "positive";

    /// <summary>The label of a text whose score is at or below the negative threshold.</summary>
    public const string Negative = "negative";

    /// <summary>The label of a text whose score lies strictly between the thresholds.</summary>
    public const string Neutral = "neutral";
}

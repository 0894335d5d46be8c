namespace PredictionCache.Grains.Inference.Builtin;

/// <summary>Normalization, labelling and confidence.</summary>
internal sealed partial class SentimentAnalyzer
{
    /// <summary>VADER's normalization constant: score = sum / sqrt(sum² + 15).</summary>
    public const double Alpha = 15;

    /// <summary>|score| at or above which a text is positive or negative rather than neutral.</summary>
    public const double Threshold = 0.05;

    /// <summary>Added to |sum| per exclamation mark (VADER's value), for at most <see cref="MaxExclamations"/>.</summary>
    public const double ExclamationIncrement = 0.292;

    /// <summary>Exclamation marks beyond this many add nothing.</summary>
    public const int MaxExclamations = 4;

    /// <summary>
    /// The highest confidence of a neutral result: a lexicon that found no sentiment may still have
    /// missed some (unknown words, sarcasm), so absence of evidence never reaches certainty.
    /// </summary>
    public const double NeutralCeiling = 0.9;

    /// <summary>
    /// Turns a weighted valence sum into a <see cref="SentimentScore"/>.
    /// </summary>
    /// <remarks>
    /// <para>Exclamations: sum += sign(sum) × 0.292 × min(exclamations, 4) when sum ≠ 0.</para>
    /// <para>Score = clamp(sum / sqrt(sum² + 15), -1, 1), rounded to 4 decimals; the label is read
    /// from the rounded score: positive ≥ 0.05, negative ≤ -0.05, else neutral.</para>
    /// <para>Confidence = 0.5 + (ceiling − 0.5) × margin × (0.5 + 0.5 × evidence), rounded to 4
    /// decimals, where coverage = carrierWords / wordCount (0 without words) and
    /// for positive/negative: margin = (|score| − 0.05) / 0.95, evidence = coverage, ceiling = 1;
    /// for neutral: margin = (0.05 − |score|) / 0.05, evidence = 1 − coverage, ceiling = 0.9.
    /// So a score on a threshold, which ties with its neighbouring label, has confidence 0.5, and
    /// confidence grows with how far the score is inside its band and with the share of words that
    /// back the label.</para>
    /// </remarks>
    internal static SentimentScore Score(double sum, int exclamations, int carrierWords, int wordCount)
    {
        if (sum != 0 && exclamations > 0)
        {
            sum += Math.Sign(sum) * ExclamationIncrement * Math.Min(exclamations, MaxExclamations);
        }

        var score = Math.Round(Math.Clamp(sum / Math.Sqrt((sum * sum) + Alpha), -1, 1), 4, MidpointRounding.AwayFromZero);
        if (score == 0)
        {
            score = 0; // no -0 in results
        }

        var coverage = wordCount == 0 ? 0 : Math.Min(1, (double)carrierWords / wordCount);
        var magnitude = Math.Abs(score);
        string sentiment;
        double margin, evidence, ceiling;
        if (magnitude >= Threshold)
        {
            sentiment = score > 0 ? SentimentScore.Positive : SentimentScore.Negative;
            margin = (magnitude - Threshold) / (1 - Threshold);
            evidence = coverage;
            ceiling = 1;
        }
        else
        {
            sentiment = SentimentScore.Neutral;
            margin = (Threshold - magnitude) / Threshold;
            evidence = 1 - coverage;
            ceiling = NeutralCeiling;
        }

        var confidence = 0.5 + ((ceiling - 0.5) * margin * (0.5 + (0.5 * evidence)));
        return new SentimentScore(sentiment, Math.Round(Math.Clamp(confidence, 0, 1), 4, MidpointRounding.AwayFromZero), score);
    }
}

namespace PredictionCache.Grains.Inference.Builtin;

/// <summary>What a <see cref="SentimentToken"/> is.</summary>
internal enum SentimentTokenKind
{
    /// <summary>A word: letters and digits, with inner apostrophes or hyphens.</summary>
    Word,

    /// <summary>Clause punctuation (<c>, . ; : ! ? …</c> or a line break): ends negation and intensifier scopes.</summary>
    ClauseBreak,
}

/// <summary>A token of a <see cref="TokenizedText"/>: a range of its normalized text.</summary>
/// <param name="Start">Index of the first char in <see cref="TokenizedText.Text"/>.</param>
/// <param name="Length">Number of chars; 1 for a clause break.</param>
/// <param name="Kind">Word or clause break.</param>
internal readonly record struct SentimentToken(int Start, int Length, SentimentTokenKind Kind);

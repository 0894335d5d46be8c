namespace PredictionCache.Grains.Inference.Builtin;

/// <summary>How a <see cref="SentimentModifier"/> acts on the sentiment words around it.</summary>
internal enum SentimentModifierKind
{
    /// <summary>Flips and damps sentiment words in the next few tokens ("not", "don't", "without").</summary>
    Negator,

    /// <summary>Scales the next sentiment word up (a booster: "very") or down (a diminisher: "slightly").</summary>
    Intensifier,

    /// <summary>Ends the clause and shifts weight to what follows ("but", "however").</summary>
    Contrast,
}

/// <summary>A word or phrase that carries no valence of its own but changes the valence near it.</summary>
/// <param name="Kind">What it does.</param>
/// <param name="Increment">
/// For an <see cref="SentimentModifierKind.Intensifier"/>, the amount added to the intensity
/// multiplier of the next sentiment word; 0 otherwise.
/// </param>
internal readonly record struct SentimentModifier(SentimentModifierKind Kind, double Increment);

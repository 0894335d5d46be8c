using System.Collections.Frozen;

namespace PredictionCache.Grains.Inference.Builtin;

/// <summary>
/// The built-in negators, boosters, diminishers and contrast words, keyed like
/// <see cref="SentimentLexicon"/> (lower case, phrases joined by single spaces).
/// </summary>
/// <remarks>
/// Lists follow VADER (Hutto and Gilbert, 2014) trimmed to unambiguous English. A few words are
/// also AFINN entries ("no", "super", "damn", "fucking"); <see cref="SentimentAnalyzer"/> treats
/// those as modifiers only when a sentiment word or another modifier follows.
/// </remarks>
internal static class SentimentModifiers
{
    /// <summary>Added to the intensity multiplier by each booster: "very good" is 3 × 1.3.</summary>
    public const double BoosterIncrement = 0.3;

    /// <summary>Added to the intensity multiplier by each diminisher: "slightly good" is 3 × 0.7.</summary>
    public const double DiminisherIncrement = -0.3;

    private const string ContractedNot = "n't";

    private static readonly string[] Negators =
    [
        "not", "no", "never", "none", "nobody", "nothing", "nowhere", "neither", "nor", "without",
        "cannot", "hardly", "scarcely", "rarely", "seldom",
        "aint", "arent", "cant", "couldnt", "didnt", "doesnt", "dont", "hadnt", "hasnt", "havent",
        "isnt", "mightnt", "mustnt", "neednt", "shant", "shouldnt", "wasnt", "werent", "wont", "wouldnt",
    ];

    private static readonly string[] Boosters =
    [
        "very", "really", "extremely", "so", "incredibly", "absolutely", "totally", "completely",
        "utterly", "highly", "truly", "especially", "exceptionally", "remarkably", "particularly",
        "deeply", "greatly", "hugely", "enormously", "tremendously", "thoroughly", "entirely",
        "unbelievably", "amazingly", "awfully", "intensely", "strongly", "super", "damn", "fucking",
    ];

    private static readonly string[] Diminishers =
    [
        "slightly", "somewhat", "barely", "a bit", "a little", "a little bit", "kind of", "kinda",
        "sort of", "sorta", "marginally", "partly", "mildly", "almost", "less",
    ];

    private static readonly string[] Contrasts = ["but", "however"];

    private static readonly FrozenDictionary<string, SentimentModifier> Entries = Build();

    private static readonly FrozenDictionary<string, SentimentModifier>.AlternateLookup<ReadOnlySpan<char>> SpanLookup =
        Entries.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The number of words in the longest modifier phrase ("a little bit").</summary>
    public static int MaxPhraseWords { get; } = Entries.Keys.Max(k => k.AsSpan().Count(' ') + 1);

    /// <summary>The length in chars of the longest modifier key.</summary>
    public static int MaxKeyLength { get; } = Entries.Keys.Max(k => k.Length);

    /// <summary>
    /// Looks up a lower-case word or space-joined phrase. Any single word ending in <c>n't</c>
    /// ("don't", "isn't", "wasn't", "can't") is a negator.
    /// </summary>
    public static bool TryGet(ReadOnlySpan<char> term, out SentimentModifier modifier)
    {
        if (SpanLookup.TryGetValue(term, out modifier))
        {
            return true;
        }

        if (term.Length > ContractedNot.Length && term.EndsWith(ContractedNot, StringComparison.Ordinal) && !term.Contains(' '))
        {
            modifier = new SentimentModifier(SentimentModifierKind.Negator, 0);
            return true;
        }

        return false;
    }

    private static FrozenDictionary<string, SentimentModifier> Build()
    {
        var entries = new Dictionary<string, SentimentModifier>(StringComparer.Ordinal);
        foreach (var word in Negators)
        {
            entries.Add(word, new SentimentModifier(SentimentModifierKind.Negator, 0));
        }

        foreach (var word in Boosters)
        {
            entries.Add(word, new SentimentModifier(SentimentModifierKind.Intensifier, BoosterIncrement));
        }

        foreach (var word in Diminishers)
        {
            entries.Add(word, new SentimentModifier(SentimentModifierKind.Intensifier, DiminisherIncrement));
        }

        foreach (var word in Contrasts)
        {
            entries.Add(word, new SentimentModifier(SentimentModifierKind.Contrast, 0));
        }

        return entries.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

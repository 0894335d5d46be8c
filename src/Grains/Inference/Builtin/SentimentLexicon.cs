using System.Collections.Frozen;
using System.Globalization;

namespace PredictionCache.Grains.Inference.Builtin;

/// <summary>
/// AFINN-165 valences (-5..+5) of English words and phrases, loaded once from the embedded
/// <c>afinn-165.tsv</c>. Phrase keys are lower-case words joined by single spaces. Immutable and
/// thread-safe.
/// </summary>
internal sealed class SentimentLexicon
{
    /// <summary>The logical name under which Grains.csproj embeds the lexicon.</summary>
    public const string ResourceName = "PredictionCache.Grains.afinn-165.tsv";

    private static readonly Lazy<SentimentLexicon> Shared = new(LoadEmbedded);

    private readonly FrozenDictionary<string, int> _scores;
    private readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanLookup;

    private SentimentLexicon(FrozenDictionary<string, int> scores)
    {
        _scores = scores;
        _spanLookup = scores.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var term in scores.Keys)
        {
            MaxPhraseWords = Math.Max(MaxPhraseWords, term.AsSpan().Count(' ') + 1);
            MaxKeyLength = Math.Max(MaxKeyLength, term.Length);
        }
    }

    /// <summary>The AFINN-165 lexicon embedded in this assembly, parsed on first use.</summary>
    public static SentimentLexicon Default => Shared.Value;

    /// <summary>The number of entries, words and phrases together.</summary>
    public int Count => _scores.Count;

    /// <summary>The number of words in the longest phrase.</summary>
    public int MaxPhraseWords { get; }

    /// <summary>The length in chars of the longest key; no longer key can match.</summary>
    public int MaxKeyLength { get; }

    /// <summary>All keys, in no particular order.</summary>
    public IReadOnlyList<string> Terms => _scores.Keys;

    /// <summary>Looks up a lower-case word or space-joined phrase without allocating.</summary>
    public bool TryGetScore(ReadOnlySpan<char> term, out int score) => _spanLookup.TryGetValue(term, out score);

    /// <summary>
    /// Parses <c>word&lt;TAB&gt;score</c> lines. Empty lines are skipped; a malformed line or a
    /// duplicate key is an <see cref="InvalidDataException"/> naming the line.
    /// </summary>
    public static SentimentLexicon Load(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var scores = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0
                || !int.TryParse(line.AsSpan(tab + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var score))
            {
                throw new InvalidDataException($"Lexicon line {lineNumber} is not 'word<TAB>integer': '{line}'.");
            }

            if (!scores.TryAdd(line[..tab], score))
            {
                throw new InvalidDataException($"Lexicon line {lineNumber} repeats the key '{line[..tab]}'.");
            }
        }

        return new SentimentLexicon(scores.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static SentimentLexicon LoadEmbedded()
    {
        using var stream = typeof(SentimentLexicon).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException(
                $"The embedded resource '{ResourceName}' is missing; Grains.csproj embeds Inference/Builtin/afinn-165.tsv.");
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
        return Load(reader);
    }
}

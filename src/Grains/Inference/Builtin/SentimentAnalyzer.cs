namespace PredictionCache.Grains.Inference.Builtin;

/// <summary>
/// A small English sentiment model: AFINN-165 valences with VADER-style rules for negation,
/// intensifiers, contrast ("but") and exclamation marks. Deterministic, linear in the text length,
/// allocation-light, and stateless after construction, so one instance serves all threads.
/// </summary>
/// <remarks>
/// At each word the longest match wins: a lexicon phrase ("not good", "cool stuff"), a modifier
/// phrase ("kind of", "a little bit"), or a single word. On a tie a modifier wins when a sentiment
/// word or modifier follows ("no good", "super nice") and the lexicon wins otherwise ("No.",
/// "super!"). Lexicon entries scored 0 ("some kind") only neutralize their words.
/// See <see cref="SentimentAccumulator"/> for the rules and
/// <see cref="Score(double, int, int, int)"/> for the normalization and confidence.
/// </remarks>
internal sealed partial class SentimentAnalyzer
{
    private const string Possessive = "'s";

    private readonly SentimentLexicon _lexicon;
    private readonly int _bufferLength;
    private readonly int _maxPhraseWords;

    /// <summary>Creates an analyzer over the embedded AFINN-165 lexicon.</summary>
    public SentimentAnalyzer()
        : this(SentimentLexicon.Default)
    {
    }

    /// <summary>Creates an analyzer over <paramref name="lexicon"/>.</summary>
    public SentimentAnalyzer(SentimentLexicon lexicon)
    {
        ArgumentNullException.ThrowIfNull(lexicon);
        _lexicon = lexicon;
        _bufferLength = Math.Max(lexicon.MaxKeyLength, SentimentModifiers.MaxKeyLength);
        _maxPhraseWords = Math.Max(lexicon.MaxPhraseWords, SentimentModifiers.MaxPhraseWords);
    }

    /// <summary>Scores <paramref name="text"/>; never throws for a non-null string.</summary>
    public SentimentScore Analyze(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = SentimentTokenizer.Tokenize(text);
        Span<char> buffer = stackalloc char[_bufferLength];
        var state = new SentimentAccumulator();
        var i = 0;
        while (i < tokens.Count)
        {
            if (!tokens.IsWord(i))
            {
                state.EndClause();
                i++;
                continue;
            }

            var (lexiconWords, score) = MatchLexicon(tokens, i, buffer);
            var (modifierWords, modifier) = MatchModifier(tokens, i, buffer);
            if (modifierWords > 0 && (modifierWords > lexiconWords
                || (modifierWords == lexiconWords && (score == 0 || StartsMatch(tokens, i + modifierWords, buffer)))))
            {
                state.Apply(modifier, modifierWords);
                i += modifierWords;
            }
            else if (lexiconWords > 0 && score != 0)
            {
                state.Add(score, lexiconWords);
                i += lexiconWords;
            }
            else
            {
                var words = Math.Max(lexiconWords, 1);
                state.Skip(words);
                i += words;
            }
        }

        return Score(state.Sum, tokens.Exclamations, state.CarrierWords, tokens.WordCount);
    }

    private (int Words, int Score) MatchLexicon(TokenizedText tokens, int start, Span<char> buffer)
    {
        for (var words = Math.Min(_lexicon.MaxPhraseWords, tokens.Count - start); words >= 1; words--)
        {
            if (tokens.TryJoinWords(start, words, buffer, out var length)
                && _lexicon.TryGetScore(buffer[..length], out var score))
            {
                return (words, score);
            }
        }

        // "movie's" is scored as "movie"; AFINN has no possessive forms.
        var word = tokens.Span(start);
        if (word.Length > Possessive.Length && word.EndsWith(Possessive, StringComparison.Ordinal)
            && _lexicon.TryGetScore(word[..^Possessive.Length], out var stemScore))
        {
            return (1, stemScore);
        }

        return (0, 0);
    }

    private static (int Words, SentimentModifier Modifier) MatchModifier(TokenizedText tokens, int start, Span<char> buffer)
    {
        for (var words = Math.Min(SentimentModifiers.MaxPhraseWords, tokens.Count - start); words >= 1; words--)
        {
            if (tokens.TryJoinWords(start, words, buffer, out var length)
                && SentimentModifiers.TryGet(buffer[..length], out var modifier))
            {
                return (words, modifier);
            }
        }

        return (0, default);
    }

    private bool StartsMatch(TokenizedText tokens, int index, Span<char> buffer) =>
        tokens.IsWord(index) && (MatchLexicon(tokens, index, buffer).Score != 0 || MatchModifier(tokens, index, buffer).Words > 0);
}

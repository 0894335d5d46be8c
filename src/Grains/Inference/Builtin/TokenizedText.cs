namespace PredictionCache.Grains.Inference.Builtin;

/// <summary>
/// The output of <see cref="SentimentTokenizer"/>: the normalized text, its tokens in order, and
/// counts the scorer needs.
/// </summary>
internal sealed class TokenizedText
{
    private readonly List<SentimentToken> _tokens;

    internal TokenizedText(string text, List<SentimentToken> tokens, int wordCount, int exclamations)
    {
        Text = text;
        _tokens = tokens;
        WordCount = wordCount;
        Exclamations = exclamations;
    }

    /// <summary>The lower-cased, folded text the tokens index into.</summary>
    public string Text { get; }

    /// <summary>The number of tokens, words and clause breaks together.</summary>
    public int Count => _tokens.Count;

    /// <summary>The number of word tokens.</summary>
    public int WordCount { get; }

    /// <summary>The number of <c>!</c> in the text.</summary>
    public int Exclamations { get; }

    /// <summary>The token at <paramref name="index"/>.</summary>
    public SentimentToken this[int index] => _tokens[index];

    /// <summary>True when <paramref name="index"/> is in range and holds a word.</summary>
    public bool IsWord(int index) => (uint)index < (uint)_tokens.Count && _tokens[index].Kind == SentimentTokenKind.Word;

    /// <summary>The chars of the token at <paramref name="index"/>.</summary>
    public ReadOnlySpan<char> Span(int index) => Text.AsSpan(_tokens[index].Start, _tokens[index].Length);

    /// <summary>
    /// Writes <paramref name="words"/> consecutive word tokens from <paramref name="start"/>, joined by
    /// single spaces, into <paramref name="destination"/>. False when a token in that range is not a
    /// word (a phrase never spans a clause break) or the phrase does not fit, which for a buffer sized
    /// to the longest key means it cannot match.
    /// </summary>
    public bool TryJoinWords(int start, int words, Span<char> destination, out int written)
    {
        written = 0;
        for (var k = 0; k < words; k++)
        {
            if (!IsWord(start + k))
            {
                return false;
            }

            var word = Span(start + k);
            var needed = word.Length + (k == 0 ? 0 : 1);
            if (written + needed > destination.Length)
            {
                return false;
            }

            if (k > 0)
            {
                destination[written++] = ' ';
            }

            word.CopyTo(destination[written..]);
            written += word.Length;
        }

        return true;
    }
}

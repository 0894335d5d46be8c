using System.Globalization;

namespace PredictionCache.Grains.Inference.Builtin;

/// <summary>
/// Splits text into lower-case word tokens and clause breaks in one linear pass.
/// </summary>
/// <remarks>
/// A word is a run of letters, digits and combining marks, where an apostrophe or hyphen is kept
/// only between two such chars: <c>don't</c>, <c>well-being</c> and <c>son-of-a-bitch</c> stay
/// whole, while quotes, dashes (<c>good--bad</c>) and surrounding punctuation separate words.
/// Typographic apostrophes (’ ‘ ʼ) and hyphens (‐ ‑) are folded to ASCII first so that
/// <c>don’t</c> matches <c>don't</c>. Everything else (spaces, symbols, emoji, control chars) only
/// separates words.
/// </remarks>
internal static class SentimentTokenizer
{
    /// <summary>Normalizes <paramref name="text"/> and tokenizes it.</summary>
    public static TokenizedText Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = Normalize(text);
        var tokens = new List<SentimentToken>();
        var words = 0;
        var exclamations = 0;
        var i = 0;
        while (i < normalized.Length)
        {
            var c = normalized[i];
            if (IsCore(c))
            {
                var start = i;
                i++;
                while (i < normalized.Length
                    && (IsCore(normalized[i]) || (IsJoiner(normalized[i]) && i + 1 < normalized.Length && IsCore(normalized[i + 1]))))
                {
                    i++;
                }

                tokens.Add(new SentimentToken(start, i - start, SentimentTokenKind.Word));
                words++;
                continue;
            }

            if (IsClauseBreak(c))
            {
                tokens.Add(new SentimentToken(i, 1, SentimentTokenKind.ClauseBreak));
                if (c == '!')
                {
                    exclamations++;
                }
            }

            i++;
        }

        return new TokenizedText(normalized, tokens, words, exclamations);
    }

    /// <summary>Lower-cases invariantly and folds apostrophe and hyphen variants; keeps the length.</summary>
    public static string Normalize(string text) =>
        string.Create(text.Length, text, static (destination, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                destination[i] = source[i] switch
                {
                    '\u2018' or '\u2019' or '\u02BC' => '\'',
                    '\u2010' or '\u2011' => '-',
                    var c => char.ToLowerInvariant(c),
                };
            }
        });

    private static bool IsCore(char c) =>
        char.IsLetterOrDigit(c) || char.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark;

    private static bool IsJoiner(char c) => c is '\'' or '-';

    private static bool IsClauseBreak(char c) => c is ',' or '.' or ';' or ':' or '!' or '?' or '\u2026' or '\n';
}

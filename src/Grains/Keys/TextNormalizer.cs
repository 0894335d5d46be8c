using System.Text;

namespace PredictionCache.Grains.Keys;

/// <summary>
/// The default normalization policy: Unicode NFC, invariant lower case, trimmed, every run of white space
/// collapsed to one space. Inputs equal after it share one cache entry.
/// </summary>
public static class TextNormalizer
{
    /// <summary>Normalizes <paramref name="text"/>.</summary>
    /// <returns>The normalized text, or null when <paramref name="text"/> is not valid Unicode (a lone surrogate).</returns>
    public static string? Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string composed;
        try
        {
            composed = text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            // string.Normalize rejects ill-formed UTF-16; that is bad client input, not a server fault.
            return null;
        }

        // Lower-casing can make a composition possible ("T" + U+0308 has no composed form, "t" + U+0308 is U+1E97),
        // so the result is composed again; otherwise canonically equal inputs could get different keys.
        var lowered = CollapseAndLower(composed);
        return lowered.IsNormalized(NormalizationForm.FormC) ? lowered : lowered.Normalize(NormalizationForm.FormC);
    }

    private static string CollapseAndLower(string text)
    {
        var span = text.AsSpan().Trim();
        var builder = new StringBuilder(span.Length);
        var pendingSpace = false;
        Span<char> buffer = stackalloc char[2];
        foreach (var rune in span.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            var lower = Rune.ToLowerInvariant(rune);
            builder.Append(buffer[..lower.EncodeToUtf16(buffer)]);
        }

        var result = builder.ToString();
        return string.Equals(result, text, StringComparison.Ordinal) ? text : result;
    }
}

using System.Globalization;
using PredictionCache.Grains.Keys;

namespace PredictionCache.Grains.Tests.Keys;

public sealed class TextNormalizerTests
{
    [Fact]
    public void Normalize_ComposedAndDecomposed_BothGiveComposedForm()
    {
        // Arrange
        const string composed = "caf\u00E9";
        const string decomposed = "cafe\u0301";

        // Act
        var fromComposed = TextNormalizer.Normalize(composed);
        var fromDecomposed = TextNormalizer.Normalize(decomposed);

        // Assert
        Assert.Equal("caf\u00E9", fromComposed);
        Assert.Equal("caf\u00E9", fromDecomposed);
    }

    [Theory]
    [InlineData("HELLO World", "hello world")]
    [InlineData("\u00C4\u00D6\u00DC", "\u00E4\u00F6\u00FC")]
    [InlineData("\u00C9T\u00C9", "\u00E9t\u00E9")]
    [InlineData("\u03A3\u0391\u03A3", "\u03C3\u03B1\u03C3")]
    [InlineData("\u0416\u0418\u0417\u041D\u042C", "\u0436\u0438\u0437\u043D\u044C")]
    [InlineData("\U00010400", "\U00010428")]
    public void Normalize_UpperCase_BecomesInvariantLowerCase(string text, string expected)
    {
        // Act
        var normalized = TextNormalizer.Normalize(text);

        // Assert
        Assert.Equal(expected, normalized);
    }

    [Fact]
    public void Normalize_TurkishLetters_UseInvariantCasingWhateverTheCurrentCulture()
    {
        // Arrange: invariant casing maps I to i (not dotless ı) even under tr-TR, and has no mapping for dotted
        // capital İ (U+0130) or dotless ı (U+0131): both stay as they are, so "İ" and "i" are different inputs.
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("tr-TR");
        try
        {
            // Act
            var capitalI = TextNormalizer.Normalize("I");
            var dottedCapitalI = TextNormalizer.Normalize("\u0130STANBUL");
            var dotlessI = TextNormalizer.Normalize("\u0131");

            // Assert
            Assert.Equal("i", capitalI);
            Assert.Equal("\u0130stanbul", dottedCapitalI);
            Assert.Equal("\u0131", dotlessI);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData("  hello  ", "hello")]
    [InlineData("\t\r\nhello\n\t", "hello")]
    [InlineData("\u00A0\u3000hello\u3000\u00A0", "hello")]
    [InlineData("   ", "")]
    [InlineData("", "")]
    public void Normalize_SurroundingWhiteSpace_IsTrimmed(string text, string expected)
    {
        // Act
        var normalized = TextNormalizer.Normalize(text);

        // Assert
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("a  b")]
    [InlineData("a\tb")]
    [InlineData("a\t\t\tb")]
    [InlineData("a\r\nb")]
    [InlineData("a\n\n\nb")]
    [InlineData("a\u00A0b")]
    [InlineData("a\u3000b")]
    [InlineData("a \t\r\n\u00A0\u3000\u2003\u0085 b")]
    public void Normalize_WhiteSpaceRun_CollapsesToOneSpace(string text)
    {
        // Act
        var normalized = TextNormalizer.Normalize(text);

        // Assert
        Assert.Equal("a b", normalized);
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("caf\u00E9 \u00E4\u00F6\u00FC")]
    [InlineData("\U0001F600 smile")]
    [InlineData("")]
    public void Normalize_AlreadyNormalized_ReturnsSameInstance(string text)
    {
        // Act
        var normalized = TextNormalizer.Normalize(text);

        // Assert
        Assert.Same(text, normalized);
    }

    [Fact]
    public void Normalize_Changed_ReturnsNewString()
    {
        // Arrange
        var text = "Hello";

        // Act
        var normalized = TextNormalizer.Normalize(text);

        // Assert
        Assert.Equal("hello", normalized);
        Assert.Equal("Hello", text);
    }

    [Fact]
    public void Normalize_LoneSurrogate_ReturnsNull()
    {
        // Arrange: built in code, since attribute arguments cannot carry ill-formed UTF-16.
        string[] texts = ["\uD800", "\uDC00", "abc\uD800", "\uDC00abc", "a\uD800b", "\uDE00\uD83D"];

        // Act
        var normalized = texts.Select(TextNormalizer.Normalize).ToArray();

        // Assert
        Assert.All(normalized, Assert.Null);
    }

    [Fact]
    public void Normalize_NoncharacterFFFE_ReturnsNull()
    {
        // Arrange: string.Normalize refuses U+FFFE (not U+FFFF or U+FDD0), so the normalizer reports it as invalid.
        string[] texts = ["\uFFFE", "a\uFFFEb"];

        // Act
        var normalized = texts.Select(TextNormalizer.Normalize).ToArray();

        // Assert
        Assert.All(normalized, Assert.Null);
        Assert.Equal("\uFFFF\uFDD0", TextNormalizer.Normalize("\uFFFF\uFDD0"));
    }

    [Fact]
    public void Normalize_SurrogatePair_IsKept()
    {
        // Act
        var normalized = TextNormalizer.Normalize("  \U0001F600  \U0001F600 ");

        // Assert
        Assert.Equal("\U0001F600 \U0001F600", normalized);
    }

    [Theory]
    [InlineData("  Caf\u0065\u0301   AU  LAIT ")]
    [InlineData("\u212A\u212B\u2126")]
    [InlineData("\u1E9E STRASSE")]
    [InlineData("\u0130\u0049\u0131")]
    [InlineData("A\u030A\u0301 x")]
    public void Normalize_NormalizedText_IsAFixedPoint(string text)
    {
        // Arrange
        var once = TextNormalizer.Normalize(text)!;

        // Act
        var twice = TextNormalizer.Normalize(once);

        // Assert
        Assert.Same(once, twice);
    }

    [Theory]
    [InlineData("T\u0308", "\u1E97")]
    [InlineData("\u03AA\u0301", "\u0390")]
    [InlineData("\u0386\u0345", "\u1FB4")]
    public void Normalize_LowerCasingEnablesAComposition_ResultIsComposed(string text, string expected)
    {
        // Arrange: "T" + U+0308 has no composed form, but its lower case "t" + U+0308 composes to U+1E97.

        // Act
        var normalized = TextNormalizer.Normalize(text);
        var ofExpected = TextNormalizer.Normalize(expected);

        // Assert
        Assert.Equal(expected, normalized);
        Assert.Equal(expected, ofExpected);
    }

    [Fact]
    public void Normalize_EveryBmpCharacterWithCombiningMarks_IsComposedLowerCaseAndAFixedPoint()
    {
        // Arrange
        string[] marks = ["", "\u0301", "\u0308", "\u0345"];
        var failures = new List<string>();

        for (var c = 0; c <= 0xFFFF; c++)
        {
            // U+FFFE is refused like a lone surrogate: see Normalize_NoncharacterFFFE_ReturnsNull.
            if (char.IsSurrogate((char)c) || c == 0xFFFE)
            {
                continue;
            }

            foreach (var mark in marks)
            {
                // Act
                var text = (char)c + mark;
                var normalized = TextNormalizer.Normalize(text);

                // Assert (collected: one message for all failures)
                if (normalized is null || !normalized.IsNormalized(System.Text.NormalizationForm.FormC) ||
                    !ReferenceEquals(normalized, TextNormalizer.Normalize(normalized)))
                {
                    failures.Add($"U+{c:X4}{(mark.Length > 0 ? $" U+{(int)mark[0]:X4}" : "")}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} inputs normalize to text that is not NFC or not a fixed point: {string.Join(", ", failures.Take(20))}");
    }

    [Fact]
    public void Normalize_Null_Throws()
    {
        // Act + Assert
        Assert.Throws<ArgumentNullException>(() => TextNormalizer.Normalize(null!));
    }
}

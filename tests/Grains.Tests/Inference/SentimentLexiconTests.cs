using PredictionCache.Grains.Inference.Builtin;

namespace PredictionCache.Grains.Tests.Inference;

public sealed class SentimentLexiconTests
{
    [Fact]
    public void Default_LoadsEveryAfinn165Entry()
    {
        var lexicon = SentimentLexicon.Default;

        Assert.Equal(3382, lexicon.Count);
        Assert.Equal(3, lexicon.MaxPhraseWords);
        Assert.Equal("environment-friendly".Length, lexicon.MaxKeyLength);
    }

    [Fact]
    public void Default_IsLoadedOnce()
    {
        Assert.Same(SentimentLexicon.Default, SentimentLexicon.Default);
    }

    [Theory]
    [InlineData("abandon", -2)]
    [InlineData("good", 3)]
    [InlineData("bad", -3)]
    [InlineData("love", 3)]
    [InlineData("terrible", -3)]
    [InlineData("masterpiece", 4)]
    [InlineData("cool", 1)]
    [InlineData("cool stuff", 3)]
    [InlineData("not good", -2)]
    [InlineData("does not work", -3)]
    [InlineData("can't stand", -3)]
    [InlineData("son-of-a-bitch", -5)]
    [InlineData("well-being", 2)]
    [InlineData("naïve", -2)]
    [InlineData("gr8", 3)]
    [InlineData("kind of", 0)]
    [InlineData("zealous", 2)]
    public void TryGetScore_KnownTerm_ReturnsItsValence(string term, int expected)
    {
        Assert.True(SentimentLexicon.Default.TryGetScore(term, out var score));
        Assert.Equal(expected, score);
    }

    [Theory]
    [InlineData("Good")]
    [InlineData("good ")]
    [InlineData("cool  stuff")]
    [InlineData("table")]
    [InlineData("")]
    public void TryGetScore_UnknownOrNotNormalized_IsFalse(string term)
    {
        Assert.False(SentimentLexicon.Default.TryGetScore(term, out _));
    }

    [Fact]
    public void TryGetScore_SpanOfLargerText_MatchesWithoutAllocatingAKey()
    {
        var text = "it was cool stuff indeed";

        Assert.True(SentimentLexicon.Default.TryGetScore(text.AsSpan(7, 10), out var score));
        Assert.Equal(3, score);
    }

    [Fact]
    public void EveryTerm_TokenizesBackToItself_SoTheAnalyzerCanReachIt()
    {
        var unreachable = new List<string>();
        foreach (var term in SentimentLexicon.Default.Terms)
        {
            var tokens = SentimentTokenizer.Tokenize(term);
            var words = Enumerable.Range(0, tokens.Count).Select(i => tokens.Span(i).ToString());
            if (tokens.WordCount != tokens.Count || string.Join(' ', words) != term)
            {
                unreachable.Add(term);
            }
        }

        Assert.Empty(unreachable);
    }

    [Fact]
    public void Load_ParsesTabSeparatedLinesAndSkipsEmptyOnes()
    {
        var lexicon = SentimentLexicon.Load(new StringReader("great\t3\n\nfed up\t-3\n"));

        Assert.Equal(2, lexicon.Count);
        Assert.Equal(2, lexicon.MaxPhraseWords);
        Assert.True(lexicon.TryGetScore("fed up", out var score));
        Assert.Equal(-3, score);
    }

    [Theory]
    [InlineData("great 3", "line 1")]
    [InlineData("great\tthree", "line 1")]
    [InlineData("\t3", "line 1")]
    [InlineData("good\t3\ngood\t2", "line 2 repeats the key 'good'")]
    public void Load_MalformedData_ThrowsNamingTheLine(string data, string expectedFragment)
    {
        var error = Assert.Throws<InvalidDataException>(() => SentimentLexicon.Load(new StringReader(data)));

        Assert.Contains(expectedFragment, error.Message, StringComparison.Ordinal);
    }
}

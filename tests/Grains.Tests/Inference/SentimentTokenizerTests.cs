using PredictionCache.Grains.Inference.Builtin;

namespace PredictionCache.Grains.Tests.Inference;

public sealed class SentimentTokenizerTests
{
    [Theory]
    [InlineData("I LOVE this Movie", "i|love|this|movie")]
    [InlineData("\"Good\", she said.", "good|,|she|said|.")]
    [InlineData("don't stop, it's well-being", "don't|stop|,|it's|well-being")]
    [InlineData("I don’t know", "i|don't|know")]
    [InlineData("good--bad -- 'quoted' well-", "good|bad|quoted|well")]
    [InlineData("wow!!", "wow|!|!")]
    [InlineData("line one\nline two", "line|one|\n|line|two")]
    [InlineData("gr8 n00b 3.5", "gr8|n00b|3|.|5")]
    [InlineData("🙂 good 🙂", "good")]
    [InlineData("東京 is naïve", "東京|is|naïve")]
    [InlineData("", "")]
    public void Tokenize_SplitsIntoLowerCaseWordsAndClauseBreaks(string text, string expected)
    {
        var tokens = SentimentTokenizer.Tokenize(text);

        var actual = string.Join('|', Enumerable.Range(0, tokens.Count).Select(i => tokens.Span(i).ToString()));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Tokenize_CountsWordsAndExclamations()
    {
        var tokens = SentimentTokenizer.Tokenize("Great!!! Really, great!");

        Assert.Equal(3, tokens.WordCount);
        Assert.Equal(4, tokens.Exclamations);
    }

    [Fact]
    public void TryJoinWords_StopsAtClauseBreaksAndShortBuffers()
    {
        var tokens = SentimentTokenizer.Tokenize("cool stuff, really");
        Span<char> buffer = stackalloc char[10];

        Assert.True(tokens.TryJoinWords(0, 2, buffer, out var written));
        Assert.Equal("cool stuff", buffer[..written].ToString());
        Assert.False(tokens.TryJoinWords(1, 2, buffer, out _));
        Assert.False(tokens.TryJoinWords(0, 2, buffer[..9], out _));
        Assert.False(tokens.TryJoinWords(3, 2, buffer, out _));
    }
}

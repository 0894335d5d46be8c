using System.Text;
using PredictionCache.Grains.Inference.Builtin;

namespace PredictionCache.Grains.Tests.Inference;

/// <summary>Robustness and property-style checks: hostile input, ranges, determinism, thread safety.</summary>
public sealed partial class SentimentAnalyzerTests
{
    public static TheoryData<string> HostileTexts()
    {
        var random = new Random(1234);
        var chars = new char[64 * 1024];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)random.Next(0, char.MaxValue + 1);
        }

        var asciiSoup = new char[64 * 1024];
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz '-!.,";
        for (var i = 0; i < asciiSoup.Length; i++)
        {
            asciiSoup[i] = Alphabet[random.Next(Alphabet.Length)];
        }

        return new TheoryData<string>
        {
            new string(chars),
            new string(asciiSoup),
            string.Concat(Enumerable.Repeat("good ", 13_000)),
            string.Concat(Enumerable.Repeat("not terrible but ", 4_000)),
            string.Concat(Enumerable.Repeat("very ", 13_000)) + "bad",
            new string('!', 64 * 1024),
            new string('a', 64 * 1024),
            new string('\'', 64 * 1024),
            "\0\u0001\u0007\u001b[31mgood\u001b[0m\u007f",
            "\uD800good\uDFFF bad\uDBFF",
            "good\u0301 bad\u200B\uFEFF",
        };
    }

    [Theory]
    [MemberData(nameof(HostileTexts))]
    public void Analyze_HostileText_NeverThrowsAndStaysInRange(string text)
    {
        var result = Analyzer.Analyze(text);

        AssertWellFormed(result);
    }

    [Fact]
    public void Analyze_ManyGeneratedSentences_AreWellFormedDeterministicAndThreadSafe()
    {
        var sentences = GenerateSentences(new Random(20240611), 2_000);
        var expected = sentences.Select(Analyzer.Analyze).ToArray();
        var fresh = new SentimentAnalyzer(SentimentLexicon.Default);
        var parallel = new SentimentScore[sentences.Length];

        Parallel.For(0, sentences.Length, i => parallel[i] = Analyzer.Analyze(sentences[i]));

        for (var i = 0; i < sentences.Length; i++)
        {
            AssertWellFormed(expected[i]);
            Assert.Equal(expected[i], Analyzer.Analyze(sentences[i]));
            Assert.Equal(expected[i], fresh.Analyze(sentences[i]));
            Assert.Equal(expected[i], parallel[i]);
        }

        Assert.Contains(expected, r => r.Sentiment == SentimentScore.Positive);
        Assert.Contains(expected, r => r.Sentiment == SentimentScore.Negative);
        Assert.Contains(expected, r => r.Sentiment == SentimentScore.Neutral);
    }

    private static string[] GenerateSentences(Random random, int count)
    {
        string[] vocabulary =
        [
            "good", "bad", "love", "hate", "terrible", "great", "awful", "happy", "sad", "cool stuff",
            "not", "no", "never", "don't", "very", "extremely", "slightly", "kind of", "a bit", "super",
            "but", "however", "the", "movie", "food", "table", "is", "was", "it", "and", "service",
            ",", ".", "!", "?", "🙂", "東京",
        ];
        var sentences = new string[count];
        var builder = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            builder.Clear();
            var words = random.Next(0, 25);
            for (var w = 0; w < words; w++)
            {
                builder.Append(vocabulary[random.Next(vocabulary.Length)]).Append(' ');
            }

            sentences[i] = builder.ToString();
        }

        return sentences;
    }

    private static void AssertWellFormed(SentimentScore result)
    {
        Assert.InRange(result.Score, -1, 1);
        Assert.InRange(result.Confidence, 0, 1);
        Assert.Equal(result.Score, Math.Round(result.Score, 4));
        Assert.Equal(result.Confidence, Math.Round(result.Confidence, 4));
        var expected = result.Score >= SentimentAnalyzer.Threshold ? SentimentScore.Positive
            : result.Score <= -SentimentAnalyzer.Threshold ? SentimentScore.Negative
            : SentimentScore.Neutral;
        Assert.Equal(expected, result.Sentiment);
        if (result.Sentiment == SentimentScore.Neutral)
        {
            Assert.InRange(result.Confidence, 0.5, SentimentAnalyzer.NeutralCeiling);
        }
        else
        {
            Assert.InRange(result.Confidence, 0.5, 1);
        }
    }
}

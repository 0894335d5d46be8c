using PredictionCache.Grains.Inference.Builtin;

namespace PredictionCache.Grains.Tests.Inference;

public sealed partial class SentimentAnalyzerTests
{
    private static readonly SentimentAnalyzer Analyzer = new();

    [Theory]
    [InlineData("good", "positive", 0.6124, 0.796)]
    [InlineData("very good", "positive", 0.7096, 0.8472)]
    [InlineData("slightly good", "positive", 0.4767, 0.7246)]
    [InlineData("not good", "negative", -0.4588, 0.7152)]
    [InlineData("not bad", "positive", 0.3612, 0.6638)]
    [InlineData("I love this movie", "positive", 0.6124, 0.685)]
    [InlineData("this is terrible", "negative", -0.6124, 0.6973)]
    [InlineData("good but terrible", "negative", -0.6124, 0.7467)]
    [InlineData("The table is brown", "neutral", 0, 0.9)]
    [InlineData("good bad", "neutral", 0, 0.7)]
    public void Analyze_ReferenceSentences_ScoreExactly(string text, string sentiment, double score, double confidence)
    {
        var result = Analyzer.Analyze(text);

        Assert.Equal(new SentimentScore(sentiment, confidence, score), result);
    }

    [Fact]
    public void Analyze_Booster_RaisesAndDiminisher_LowersTheScore()
    {
        var good = Analyzer.Analyze("good").Score;

        Assert.True(Analyzer.Analyze("very good").Score > good);
        Assert.True(Analyzer.Analyze("extremely good").Score > good);
        Assert.True(Analyzer.Analyze("very very good").Score > Analyzer.Analyze("very good").Score);
        Assert.True(Analyzer.Analyze("slightly good").Score < good);
        Assert.True(Analyzer.Analyze("kind of good").Score < good);
        Assert.True(Analyzer.Analyze("a little bit bad").Score > Analyzer.Analyze("bad").Score);
    }

    [Theory]
    [InlineData("not great", -0.5023)]
    [InlineData("not very good", -0.6027)]
    [InlineData("isn't great", -0.5023)]
    [InlineData("I don’t like it", -0.3612)]
    [InlineData("never happy", -0.5023)]
    [InlineData("no good", -0.5023)]
    [InlineData("without problems", 0.25)]
    [InlineData("not a very good idea", -0.6027)]
    public void Analyze_Negation_FlipsAndDampsWithinThreeWords(string text, double score)
    {
        Assert.Equal(score, Analyzer.Analyze(text).Score);
    }

    [Theory]
    [InlineData("not that it was a good idea")]
    [InlineData("not. good")]
    [InlineData("not, good")]
    [InlineData("not but good")]
    [InlineData("not not good")]
    public void Analyze_NegationOutOfScopeOrCancelled_LeavesGoodPositive(string text)
    {
        Assert.Equal(SentimentScore.Positive, Analyzer.Analyze(text).Sentiment);
    }

    [Fact]
    public void Analyze_NotBad_IsMildlyPositive_WeakerThanGood()
    {
        var notBad = Analyzer.Analyze("not bad");

        Assert.Equal(SentimentScore.Positive, notBad.Sentiment);
        Assert.True(notBad.Score < Analyzer.Analyze("good").Score);
    }

    [Fact]
    public void Analyze_ContrastWord_WeighsTheLaterClauseMore()
    {
        Assert.Equal(SentimentScore.Negative, Analyzer.Analyze("good but terrible").Sentiment);
        Assert.Equal(SentimentScore.Positive, Analyzer.Analyze("terrible but good").Sentiment);
        Assert.Equal(-0.722, Analyzer.Analyze("The food was not bad, but the service was terrible!").Score);
        Assert.Equal(SentimentScore.Negative, Analyzer.Analyze("It was good. However, the ending was awful").Sentiment);
    }

    [Fact]
    public void Analyze_ExclamationMarks_BoostMagnitudeUpToFour()
    {
        Assert.Equal(0.6476, Analyzer.Analyze("good!").Score);
        Assert.Equal(0.7074, Analyzer.Analyze("good!!!").Score);
        Assert.Equal(Analyzer.Analyze("good!!!!").Score, Analyzer.Analyze("good!!!!!!!!").Score);
        Assert.True(Analyzer.Analyze("terrible!!").Score < Analyzer.Analyze("terrible").Score);
        Assert.Equal(0, Analyzer.Analyze("the table!!!").Score);
    }

    [Fact]
    public void Analyze_Phrases_MatchBeforeTheirWords()
    {
        Assert.Equal(0.25, Analyzer.Analyze("cool").Score);
        Assert.Equal(0.6124, Analyzer.Analyze("cool stuff").Score);
        Assert.Equal(0.25, Analyzer.Analyze("cool, stuff").Score);
        Assert.Equal(-0.6124, Analyzer.Analyze("I can't stand it").Score);
        Assert.Equal(-0.6124, Analyzer.Analyze("it does not work").Score);
        Assert.Equal(-0.7906, Analyzer.Analyze("what a son-of-a-bitch").Score);
    }

    [Fact]
    public void Analyze_WordsThatAreAlsoModifiers_ScoreAloneAndModifyBeforeSentiment()
    {
        Assert.Equal(-0.25, Analyzer.Analyze("No.").Score);
        Assert.Equal(0.6476, Analyzer.Analyze("super!").Score);
        Assert.Equal(Analyzer.Analyze("very nice").Score, Analyzer.Analyze("super nice").Score);
        Assert.Equal(SentimentScore.Positive, Analyzer.Analyze("kind people").Sentiment);
        Assert.Equal(Analyzer.Analyze("slightly good").Score, Analyzer.Analyze("kind of good").Score);
    }

    [Theory]
    [InlineData("GOOD", "good")]
    [InlineData("  good\t", "good")]
    [InlineData("\"good\"", "good")]
    [InlineData("the movie's plot", "the movie plot")]
    public void Analyze_NormalizesCaseQuotesAndPossessives(string text, string equivalent)
    {
        Assert.Equal(Analyzer.Analyze(equivalent), Analyzer.Analyze(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \t\r\n ")]
    [InlineData("🙂🙂🔥")]
    [InlineData("?!.,;:")]
    [InlineData("東京タワー")]
    public void Analyze_NoScorableWords_IsNeutralZero(string text)
    {
        var result = Analyzer.Analyze(text);

        Assert.Equal(SentimentScore.Neutral, result.Sentiment);
        Assert.Equal(0, result.Score);
        Assert.Equal(0.9, result.Confidence);
    }

    [Fact]
    public void Analyze_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => Analyzer.Analyze(null!));
    }
}

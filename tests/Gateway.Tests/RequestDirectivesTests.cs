using Microsoft.Extensions.Primitives;
using PredictionCache.Gateway.Predict;

namespace PredictionCache.Gateway.Tests;

/// <summary><c>max-stale</c> in <c>Cache-Control</c> (RFC 9111 §5.2.1.2).</summary>
public sealed class RequestDirectivesTests
{
    [Theory]
    [InlineData("max-stale=5", 5)]
    [InlineData("max-stale=10, max-stale=3", 3)]
    [InlineData("max-stale=0", 0)]
    [InlineData("max-age=60, max-stale=7", 7)]
    public void ParseCacheControl_MaxStaleWithSeconds_IsThatLimitAndTheStrictestWins(string header, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), RequestDirectives.ParseCacheControl(new StringValues(header)).MaxStale);
    }

    [Fact]
    public void ParseCacheControl_MaxStaleWithoutValue_AcceptsAnyStaleness()
    {
        Assert.Equal(TimeSpan.MaxValue, RequestDirectives.ParseCacheControl(new StringValues("max-stale")).MaxStale);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-cache")]
    [InlineData("max-stale=soon")]
    public void ParseCacheControl_NoOrMalformedMaxStale_IsNull(string header)
    {
        Assert.Null(RequestDirectives.ParseCacheControl(new StringValues(header)).MaxStale);
    }
}

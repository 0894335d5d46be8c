using PredictionCache.Gateway.Security;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests.Security;

/// <summary><c>new-key</c>: a random key and the Sha256 to configure, without starting the server.</summary>
public sealed class NewKeyCommandTests
{
    [Theory]
    [InlineData("new-key")]
    [InlineData("keys", "new")]
    public void TryRun_NewKey_PrintsAKeyAndItsSha256(params string[] args)
    {
        using var output = new StringWriter();

        var ran = NewKeyCommand.TryRun(args, output);

        Assert.True(ran);
        var lines = output.ToString().Split('\n', StringSplitOptions.TrimEntries);
        var key = Assert.Single(lines, l => l.StartsWith("key:", StringComparison.Ordinal))["key:".Length..].Trim();
        var hash = Assert.Single(lines, l => l.StartsWith("sha256:", StringComparison.Ordinal))["sha256:".Length..].Trim();
        Assert.StartsWith("pck_", key, StringComparison.Ordinal);
        Assert.Equal(47, key.Length);
        Assert.Equal(TestKeys.Sha256(key), hash);
        Assert.Contains($"Auth__Keys__0__Sha256={hash}", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("--urls", "http://127.0.0.1:8080")]
    [InlineData("keys")]
    public void TryRun_OtherArguments_DoesNothing(params string[] args)
    {
        using var output = new StringWriter();

        Assert.False(NewKeyCommand.TryRun(args, output));
        Assert.Empty(output.ToString());
    }

    [Fact]
    public void Create_EveryKeyIsNew() => Assert.NotEqual(NewKeyCommand.Create(), NewKeyCommand.Create());
}

using Microsoft.Extensions.Configuration;
using PredictionCache.Gateway.Security;

namespace PredictionCache.Gateway.Tests.Security;

/// <summary>Which addresses the server will listen on, and which of them only this machine reaches.</summary>
public sealed class ListenAddressesTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://127.0.0.2:8080")]
    [InlineData("https://localhost:8443")]
    [InlineData("http://LOCALHOST")]
    [InlineData("http://[::1]:8080")]
    [InlineData("http://[::ffff:127.0.0.1]:8080")]
    [InlineData(" http://127.0.0.1:8080/ ")]
    [InlineData("http://unix:/run/predictioncache.sock")]
    [InlineData("http://pipe:/predictioncache")]
    public void IsLoopback_LocalAddress_IsTrue(string url) => Assert.True(ListenAddresses.IsLoopback(url));

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://*:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://gateway.example:8080")]
    [InlineData("http://localhost.example:8080")]
    [InlineData("http://10.0.0.5:8080")]
    [InlineData("http://[2001:db8::1]:8080")]
    [InlineData("127.0.0.1:8080")]
    [InlineData("http://[::1:8080")]
    public void IsLoopback_AnyOtherAddress_IsFalse(string url) => Assert.False(ListenAddresses.IsLoopback(url));

    [Fact]
    public void Configured_KestrelEndpoints_OverrideUrls()
    {
        var configuration = Configuration(
            ("urls", "http://127.0.0.1:8080"),
            ("Kestrel:Endpoints:A:Url", "http://0.0.0.0:1"),
            ("Kestrel:Endpoints:B:Url", "http://127.0.0.1:2"));

        Assert.Equal(["http://0.0.0.0:1", "http://127.0.0.1:2"], ListenAddresses.Configured(configuration));
    }

    [Fact]
    public void Configured_Urls_SplitOnSemicolons()
    {
        var configuration = Configuration(("urls", "http://127.0.0.1:8080; http://[::1]:8080"), ("http_ports", "9090"));

        Assert.Equal(["http://127.0.0.1:8080", "http://[::1]:8080"], ListenAddresses.Configured(configuration));
    }

    [Fact]
    public void Configured_PortsWithoutUrls_ListenOnEveryInterface()
    {
        var configuration = Configuration(("http_ports", "8080;8081"), ("https_ports", "8443"));

        Assert.Equal(["http://*:8080", "http://*:8081", "https://*:8443"], ListenAddresses.Configured(configuration));
    }

    [Fact]
    public void Configured_Nothing_IsEmpty() => Assert.Empty(ListenAddresses.Configured(Configuration()));

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}

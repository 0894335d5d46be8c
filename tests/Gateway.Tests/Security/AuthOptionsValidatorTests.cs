using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using PredictionCache.Gateway.Security;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests.Security;

/// <summary>
/// <c>Auth:*</c> validated at start-up: each message names the key, the value and the rule, never a secret or a hash;
/// and a gateway without keys refuses a non-loopback address unless <c>Auth:AllowAnonymous</c>.
/// </summary>
public sealed class AuthOptionsValidatorTests
{
    private static readonly string GoodHash = TestKeys.Sha256("pck_good");

    [Theory]
    [InlineData("Auth:Keys:0:Name", "", "Auth:Keys:0:Name is empty")]
    [InlineData("Auth:Keys:0:Tenant", "bad tenant!", "Auth:Keys:0:Tenant is 'bad tenant!': a tenant is 1 to 64 characters")]
    [InlineData("Auth:Keys:0:Roles:0", "root", "Auth:Keys:0:Roles:0 is 'root': the roles are 'predict' and 'admin'")]
    [InlineData("Auth:Keys:0:Sha256", "", "Auth:Keys:0:Sha256 is empty: it must be the 64 hexadecimal characters")]
    [InlineData("Auth:Keys:0:Sha256", "abc123", "Auth:Keys:0:Sha256 is 6 characters long: it must be")]
    [InlineData("Auth:Keys:0:Sha256", "zz00000000000000000000000000000000000000000000000000000000000000", "Auth:Keys:0:Sha256 is 64 characters long with a non-hexadecimal one")]
    [InlineData("Auth:Keys:0:RequestsPerSecond", "0", "Auth:Keys:0:RequestsPerSecond is '0': it must be between 0.001 and 1000000")]
    [InlineData("Auth:Keys:0:Burst", "0", "Auth:Keys:0:Burst is '0': it must be between 1 and 10000000")]
    public async Task Start_InvalidKey_FailsNamingKeyValueAndRule(string key, string value, string message)
    {
        var settings = TestKeys.Settings(new TestKeys.Key("ci", "pck_good", ["predict"]));
        settings[key] = value;
        await using var host = GatewayBuilder.Build(settings);

        var error = await Record.ExceptionAsync(() => host.StartAsync());

        var validation = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains(message, validation.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(GoodHash, validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RolesMissing_SaysGiveOne()
    {
        var options = Options(new ApiKeyOptions { Name = "ci", Sha256 = GoodHash });

        var result = Validator().Validate(null, options);

        Assert.Equal(["Auth:Keys:0:Roles is empty: give the key at least one of 'predict' and 'admin'."], result.Failures);
    }

    [Fact]
    public void Validate_DuplicateNamesAndHashes_NameBothKeysWithoutTheHash()
    {
        var options = Options(Key("ci", GoodHash), Key("ci", GoodHash), Key("other", GoodHash.ToUpperInvariant()));

        var result = Validator().Validate(null, options);

        Assert.Equal(
            [
                "Auth:Keys:1:Name is 'ci', as is Auth:Keys:0:Name: key names must be unique.",
                "Auth:Keys:1:Sha256 is the same as Auth:Keys:0:Sha256: each key needs a secret of its own.",
                "Auth:Keys:2:Sha256 is the same as Auth:Keys:0:Sha256: each key needs a secret of its own.",
            ],
            result.Failures);
    }

    [Fact]
    public void Validate_GoodKeys_Succeed_WhateverTheAddress()
    {
        var options = Options(Key("ci", GoodHash, tenant: "team-a.prod_1"), Key("ops", TestKeys.Sha256("pck_ops")));

        var result = Validator(("urls", "http://0.0.0.0:8080")).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("urls", "http://0.0.0.0:8080", "http://0.0.0.0:8080")]
    [InlineData("urls", "http://127.0.0.1:8080;http://*:9090", "http://*:9090")]
    [InlineData("urls", "http://[::]:8080", "http://[::]:8080")]
    [InlineData("Kestrel:Endpoints:Web:Url", "http://gateway.example:80", "http://gateway.example:80")]
    [InlineData("http_ports", "8080", "http://*:8080")]
    public void Validate_NoKeysOnANonLoopbackAddress_RefusesNamingTheAddressAndTheFix(string key, string value, string address)
    {
        var result = Validator((key, value)).Validate(null, new AuthOptions());

        var message = Assert.Single(result.Failures!);
        Assert.StartsWith("Auth:Keys is empty and Auth:AllowAnonymous is false, but the gateway would listen on '" + address + "', which is not a loopback address", message, StringComparison.Ordinal);
        Assert.Contains("Configure Auth:Keys", message, StringComparison.Ordinal);
        Assert.Contains("Auth:AllowAnonymous=true", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("urls", "http://127.0.0.1:8080")]
    [InlineData("urls", "http://localhost:8080;http://[::1]:8081")]
    [InlineData("Kestrel:Endpoints:Web:Url", "http://127.0.0.1:8080")]
    [InlineData("unset", "")]
    public void Validate_NoKeysOnLoopback_Succeeds(string key, string value)
    {
        var result = Validator((key, value)).Validate(null, new AuthOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_NoKeysOnTheNetworkWithAllowAnonymous_Succeeds()
    {
        var result = Validator(("urls", "http://0.0.0.0:8080")).Validate(null, new AuthOptions { AllowAnonymous = true });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public async Task Start_NoKeysOnANonLoopbackAddress_Fails()
    {
        await using var host = GatewayBuilder.Build(new Dictionary<string, string?> { ["urls"] = "http://0.0.0.0:8080" });

        var error = await Record.ExceptionAsync(() => host.StartAsync());

        var validation = Assert.IsType<OptionsValidationException>(error);
        Assert.StartsWith("Auth:Keys is empty and Auth:AllowAnonymous is false", validation.Message, StringComparison.Ordinal);
    }

    private static AuthOptionsValidator Validator(params (string Key, string Value)[] settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    private static ApiKeyOptions Key(string name, string hash, string tenant = "")
    {
        var key = new ApiKeyOptions { Name = name, Sha256 = hash, Tenant = tenant };
        key.Roles.Add("predict");
        return key;
    }

    private static AuthOptions Options(params ApiKeyOptions[] keys)
    {
        var options = new AuthOptions();
        foreach (var key in keys)
        {
            options.Keys.Add(key);
        }

        return options;
    }
}

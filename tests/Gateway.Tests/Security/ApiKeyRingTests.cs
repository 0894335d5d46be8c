using Microsoft.Extensions.Options;
using PredictionCache.Gateway.Security;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests.Security;

/// <summary>The key check: the SHA-256 of the presented key's UTF-8 bytes against the configured hashes.</summary>
public sealed class ApiKeyRingTests
{
    [Fact]
    public void TryFind_ConfiguredKey_FindsItsCaller_WithItsTenantAndRole()
    {
        var ring = Ring(("ci", "pck_ci", "team-a", "predict"), ("ops", "pck_ops", "", "admin"));

        Assert.True(ring.TryFind("pck_ci", out var ci));
        Assert.True(ring.TryFind("pck_ops", out var ops));
        Assert.Equal(new Caller("ci", "team-a", IsAdmin: false), ci.Caller);
        Assert.Equal(new Caller("ops", "", IsAdmin: true), ops.Caller);
        Assert.True(ci.Authenticated.Principal!.IsInRole("predict"));
        Assert.False(ci.Authenticated.Principal.IsInRole("admin"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("pck_c")]
    [InlineData("pck_ci ")]
    [InlineData("PCK_CI")]
    public void TryFind_AnyOtherKey_FindsNothing(string presented) =>
        Assert.False(Ring(("ci", "pck_ci", "", "predict")).TryFind(presented, out _));

    [Fact]
    public void TryFind_KeyLongerThanTheMost_FindsNothing_EvenIfConfigured()
    {
        var longKey = new string('k', ApiKeyRing.MaxKeyLength + 1);

        Assert.False(Ring(("long", longKey, "", "predict")).TryFind(longKey, out _));
    }

    [Fact]
    public void TryFind_NonAsciiKey_IsHashedAsUtf8()
    {
        Assert.True(Ring(("utf8", "pck_clé", "", "predict")).TryFind("pck_clé", out var key));
        Assert.Equal("utf8", key.Name);
    }

    [Fact]
    public void Burst_Unset_IsTwiceTheRate_AtLeastOne()
    {
        var ring = Ring(("ci", "pck_ci", "", "predict"));
        var slow = new ApiKey(new ApiKeyOptions { Name = "slow", Sha256 = TestKeys.Sha256("x"), RequestsPerSecond = 0.1 });

        Assert.Equal(200, ring.Keys[0].Burst);
        Assert.Equal(1, slow.Burst);
    }

    private static ApiKeyRing Ring(params (string Name, string Key, string Tenant, string Role)[] keys)
    {
        var options = new AuthOptions();
        foreach (var (name, key, tenant, role) in keys)
        {
            var configured = new ApiKeyOptions { Name = name, Tenant = tenant, Sha256 = TestKeys.Sha256(key) };
            configured.Roles.Add(role);
            options.Keys.Add(configured);
        }

        return new ApiKeyRing(Options.Create(options));
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Gateway.Security;

namespace PredictionCache.Gateway.Tests.Security;

/// <summary><c>GetCaller</c>: the key's caller, <see cref="Caller.Anonymous"/> with no keys, and a bug reported as one.</summary>
public sealed class CallerExtensionsTests
{
    [Fact]
    public void GetCaller_Authenticated_IsTheKeysCaller()
    {
        var caller = new Caller("ci", "team-a", IsAdmin: false);
        var context = Context(keysConfigured: true);
        context.Features.Set(caller);

        Assert.Same(caller, context.GetCaller());
    }

    [Fact]
    public void GetCaller_NoKeysConfigured_IsAnonymous() => Assert.Same(Caller.Anonymous, Context(keysConfigured: false).GetCaller());

    [Fact]
    public void GetCaller_KeysConfiguredButNotAuthenticated_Throws()
    {
        var context = Context(keysConfigured: true);
        context.Request.Method = "GET";
        context.Request.Path = "/forgotten";

        var error = Assert.Throws<InvalidOperationException>(() => context.GetCaller());

        Assert.Contains("GET /forgotten", error.Message, StringComparison.Ordinal);
        Assert.Contains("RequireAuthorization", error.Message, StringComparison.Ordinal);
    }

    private static DefaultHttpContext Context(bool keysConfigured) => new()
    {
        RequestServices = new ServiceCollection().AddSingleton(new SecurityMode(keysConfigured)).BuildServiceProvider(),
    };
}

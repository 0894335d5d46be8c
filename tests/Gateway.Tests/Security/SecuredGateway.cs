using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests.Security;

/// <summary>
/// One gateway with <see cref="TestKeys.Settings()"/> (a <c>predict</c> and an <c>admin</c> key, no reachable rate
/// limit) shared by a class's tests that only read: who gets in, who is refused. Tests that change state or spend a
/// key's budget host their own.
/// </summary>
public sealed class SecuredGateway : IAsyncLifetime
{
    public GatewayFactory Factory { get; } = new(TestKeys.Settings());

    public HttpClient Client { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Client = Factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using PredictionCache.Gateway.Infrastructure;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>
/// The gateway composed as Program.cs composes it (its co-hosted silo, or its Orleans client, and its services), on a test server, for the tests
/// that start a host themselves to see how it fails. Its silo has a port of its own.
/// </summary>
internal static class GatewayBuilder
{
    public static WebApplication Build(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(FreePorts.SiloSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddPredictionCacheOrleans();
        builder.Services.AddGateway(builder.Configuration);
        return builder.Build();
    }
}

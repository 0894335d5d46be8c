using Microsoft.Extensions.Configuration.Memory;

namespace PredictionCache.Gateway.Infrastructure;

/// <summary>
/// The host settings the gateway ships with, as the lowest-precedence configuration source: they hold wherever the
/// process starts from (a published folder run from elsewhere has no <c>appsettings.json</c> in its content root, and
/// ASP.NET Core's own defaults would log every request at Information), and any other source overrides them.
/// </summary>
internal static class GatewayDefaults
{
    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Urls"] = "http://127.0.0.1:8080",
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
        ["Logging:LogLevel:Orleans.Runtime.Watchdog"] = "Error",

        // ASP.NET Core's authentication handler base logs every challenge and forbid at Information: a flood of 401s
        // would flood the log. Lower this category to see refusals (the key's name, never the key) and who signed in.
        ["Logging:LogLevel:PredictionCache.Gateway.Security.ApiKeyAuthentication"] = "Warning",
    };

    /// <summary>Puts <see cref="Settings"/> first among <paramref name="configuration"/>'s sources, under every other one.</summary>
    public static IConfigurationManager AddGatewayDefaults(this IConfigurationManager configuration)
    {
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Settings });
        return configuration;
    }
}

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using PredictionCache.Grains.Inference;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>
/// Hosts the real gateway in memory for one test: its own settings, optionally its own clock and inference
/// backends. Settings go in as the last configuration source, so they win over appsettings.json.
/// </summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider? _time;
    private readonly IInferenceBackend[] _backends;

    /// <summary>Runs last on the services, for the odd test that swaps something else (a failing store, a probe).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <param name="settings">Configuration keys and values (e.g. <c>Cache:MaxEntries</c>); null keeps the defaults.</param>
    /// <param name="time">The clock the product and the grains' timers (TTLs) use, e.g. a <see cref="TestClock"/>; null keeps <see cref="TimeProvider.System"/>.</param>
    /// <param name="backends">Inference backends replacing the built-in model; the first is the default model.</param>
    public GatewayFactory(IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null, params IInferenceBackend[] backends)
    {
        // One directory shard unless a test says otherwise: counts such as activations do not depend on the machine.
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Storage:Provider"] = "memory",
            ["Cache:DirectoryShards"] = "1",

            // Storage upkeep's timer out of the way: a test waiting for a timer due in N seconds must find its own.
            ["Storage:MaintenanceIntervalSeconds"] = "3600",
        };

        // A silo port of its own: two silos on one port both start and silently share it (SO_REUSEPORT).
        foreach (var (key, value) in FreePorts.SiloSettings())
        {
            _settings[key] = value;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        _time = time;
        _backends = backends;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Also as host settings, which Program.cs sees before it builds: the silo's clustering reads its ports right there
        // (configuration added below only arrives at Build, and without it every test's silo would listen on 11111).
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(_settings));
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureTestServices(services =>
        {
            if (_time is not null)
            {
                // The product's clock and the grains' (TTL timers), never Orleans' membership clock: a frozen one kills the silo.
                services.UseTestClock(_time);
            }

            if (_backends.Length > 0)
            {
                services.RemoveAll<IInferenceBackend>();
                foreach (var backend in _backends)
                {
                    services.AddSingleton(backend);
                }
            }

            ConfigureServices?.Invoke(services);
        });
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PredictionCache.Silo.Collection;
using PredictionCache.Silo.Metrics;
using PredictionCache.Silo.Runtime;
using PredictionCache.Silo.Tests.Grains;
using PredictionCache.TestKit;

namespace PredictionCache.Silo.Tests.Infrastructure;

/// <summary>
/// A real silo for one test: its own service provider, a <see cref="ManualTimeProvider"/> clock, every test grain
/// registered with in-memory storage, and its hosted services started and stopped here as a host would.
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    /// <summary>How long a test waits for an asynchronous completion before failing.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _hostedServices;
    private int _stopped;

    private TestSilo(ServiceProvider provider, ManualTimeProvider clock, RecordingLoggerProvider logs, IHostedService[] hostedServices)
    {
        _provider = provider;
        _hostedServices = hostedServices;
        Clock = clock;
        Logs = logs;
    }

    public ManualTimeProvider Clock { get; }

    public RecordingLoggerProvider Logs { get; }

    public IServiceProvider Services => _provider;

    public IGrainFactory GrainFactory => _provider.GetRequiredService<IGrainFactory>();

    public ISiloManagement Management => _provider.GetRequiredService<ISiloManagement>();

    public GrainProbe Probe => _provider.GetRequiredService<GrainProbe>();

    internal SiloRuntime Runtime => _provider.GetRequiredService<SiloRuntime>();

    internal SiloMetrics Metrics => _provider.GetRequiredService<SiloMetrics>();

    internal ActivationCollector Collector => _provider.GetRequiredService<ActivationCollector>();

    /// <summary>Builds and starts a silo.</summary>
    /// <param name="configureServices">Runs after <c>AddSilo</c>: options such as <see cref="GrainCollectionOptions"/>.</param>
    /// <param name="configureSilo">Runs after the test grains are registered: extra grains or storage.</param>
    public static async Task<TestSilo> StartAsync(Action<IServiceCollection>? configureServices = null, Action<ISiloBuilder>? configureSilo = null)
    {
        var clock = new ManualTimeProvider();
        var logs = new RecordingLoggerProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);

        // AddSilo binds its options to configuration, which a generic host always registers.
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton<GrainProbe>();
        services.AddSilo(silo =>
        {
            TestGrains.Register(silo).AddMemoryGrainStorage();
            configureSilo?.Invoke(silo);
        });
        configureServices?.Invoke(services);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var started = new List<IHostedService>();
        try
        {
            foreach (var hostedService in provider.GetServices<IHostedService>())
            {
                await hostedService.StartAsync(CancellationToken.None);
                started.Add(hostedService);
            }
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }

        return new TestSilo(provider, clock, logs, [.. started]);
    }

    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey => GrainFactory.GetGrain<TGrainInterface>(key);

    /// <summary>Stops the hosted services in reverse order, as a host does; idempotent.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        foreach (var hostedService in _hostedServices.Reverse())
        {
            await hostedService.StopAsync(CancellationToken.None).WaitAsync(Timeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            await _provider.DisposeAsync();
        }
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PredictionCache.Silo.Metrics;
using PredictionCache.Silo.Timers;

namespace PredictionCache.Silo.Runtime;

/// <summary>The silo's shared parts: clock, timer wheel, grain types, metrics, and the shutdown signal.</summary>
internal sealed class SiloRuntime : ISiloManagement, IDisposable
{
    private readonly Dictionary<Type, GrainTypeRuntime> _byClass = [];
    private readonly CancellationTokenSource _stopping = new();
    private bool _closed;

    public SiloRuntime(
        IServiceProvider services,
        TimeProvider timeProvider,
        SiloMetrics metrics,
        ILogger<SiloRuntime> logger,
        IOptions<TimerWheelOptions> timerOptions,
        IOptions<GrainCollectionOptions> collectionOptions,
        IEnumerable<GrainRegistration> registrations)
    {
        Services = services;
        TimeProvider = timeProvider;
        Metrics = metrics;
        Logger = logger;
        TimerWheel = new TimerWheel(timeProvider, timerOptions.Value);
        CollectionOptions = collectionOptions.Value;
        var factories = new Dictionary<Type, Func<string, object>>();
        var classesByName = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var registration in registrations)
        {
            // The name keys storage records, metrics and activation counts: two classes sharing it would share those.
            var name = GrainType.NameOf(registration.GrainClass);
            if (!classesByName.TryAdd(name, registration.GrainClass))
            {
                throw new InvalidOperationException(
                    $"Grain classes {classesByName[name].FullName} and {registration.GrainClass.FullName} both have the grain type name '{name}'; grain type names must be unique.");
            }

            var type = new GrainTypeRuntime(this, registration.GrainClass, services, CollectionOptions.CollectionAge);
            _byClass.Add(registration.GrainClass, type);
            factories.Add(registration.Interface, key => registration.CreateReference(new GrainBinding(type, key)));
        }

        GrainFactory = new GrainFactory(factories);
    }

    public IServiceProvider Services { get; }

    public TimeProvider TimeProvider { get; }

    public SiloMetrics Metrics { get; }

    public ILogger Logger { get; }

    public TimerWheel TimerWheel { get; }

    public GrainCollectionOptions CollectionOptions { get; }

    public GrainFactory GrainFactory { get; }

    public CancellationToken Stopping => _stopping.Token;

    /// <summary>True once the silo began to stop: no new activation is created from then on.</summary>
    public bool IsClosed => Volatile.Read(ref _closed);

    public IReadOnlyCollection<GrainTypeRuntime> Types => _byClass.Values;

    public IReadOnlyDictionary<string, int> GetActivationCounts() =>
        _byClass.Values.ToDictionary(t => t.GrainType.Name, t => t.ActiveCount, StringComparer.Ordinal);

    public int GetActivationCount<TGrain>()
        where TGrain : Grain => _byClass.TryGetValue(typeof(TGrain), out var type) ? type.ActiveCount : 0;

    public bool IsActive<TGrain>(string key)
        where TGrain : Grain => _byClass.TryGetValue(typeof(TGrain), out var type) && type.Find(key) is { IsActive: true };

    public async Task<int> ForceActivationCollectionAsync(TimeSpan ageLimit, CancellationToken cancellationToken = default)
    {
        var reason = new DeactivationReason(DeactivationReasonCode.ActivationIdle, $"idle for {ageLimit}");
        var idle = _byClass.Values
            .Where(t => t.Collectable)
            .SelectMany(t => t.Activations.Where(a => a.IsIdleFor(TimeSpan.Compare(ageLimit, TimeSpan.Zero) > 0 ? ageLimit : t.CollectionAge)))
            .ToList();
        await Task.WhenAll(idle.Select(a => a.RequestDeactivation(reason))).WaitAsync(cancellationToken);
        SiloLog.IdleCollected(Logger, idle.Count);
        return idle.Count;
    }

    /// <summary>Deactivates every activation with <see cref="DeactivationReasonCode.ShuttingDown"/>.</summary>
    public async Task DeactivateAllAsync(CancellationToken cancellationToken)
    {
        var all = _byClass.Values.SelectMany(t => t.Activations).ToList();
        SiloLog.ShuttingDown(Logger, all.Count);
        var reason = new DeactivationReason(DeactivationReasonCode.ShuttingDown, "silo stopping");
        await Task.WhenAll(all.Select(a => a.RequestDeactivation(reason))).WaitAsync(cancellationToken);
    }

    public void SignalStopping() => _stopping.Cancel();

    /// <summary>Refuses new activations (existing ones keep serving until they are deactivated).</summary>
    public void Close() => Volatile.Write(ref _closed, true);

    public void Dispose()
    {
        TimerWheel.Dispose();
        _stopping.Dispose();
    }
}

using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Silo.Metrics;
using PredictionCache.Silo.Storage;

namespace PredictionCache.Silo.Runtime;

/// <summary>
/// Everything the silo knows about one grain class: how to construct it, its catalog of activations (key →
/// activation) and how a call reaches an activation. Catalogs are per type so a call hashes only its key.
/// </summary>
internal sealed class GrainTypeRuntime
{
    private static readonly MethodInfo StateFactoryMethod =
        typeof(GrainTypeRuntime).GetMethod(nameof(MakeStateFactory), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly ConcurrentDictionary<string, ActivationData> _activations = new(StringComparer.Ordinal);
    private readonly ObjectFactory _factory;
    private readonly Func<GrainId, object>[] _stateFactories;
    private readonly Lock _methodMetricsLock = new();
    private GrainMethodMetrics?[] _methodMetrics = [];
    private readonly bool _countCalls;
    private int _activeCount;

    public GrainTypeRuntime(SiloRuntime silo, Type grainClass, IServiceProvider services, TimeSpan defaultCollectionAge)
    {
        Silo = silo;
        _countCalls = silo.Metrics.CountsGrainCalls;
        GrainClass = grainClass;
        GrainType = new GrainType(GrainType.NameOf(grainClass));
        var limit = grainClass.GetCustomAttribute<CollectionAgeLimitAttribute>();
        Collectable = limit is not { AlwaysActive: true };
        CollectionAge = limit is { Minutes: > 0 } ? TimeSpan.FromMinutes(limit.Minutes) : defaultCollectionAge;

        var constructor = grainClass.GetConstructors().Single();
        var stateParameters = constructor.GetParameters()
            .Select(p => (Parameter: p, Attribute: p.GetCustomAttribute<PersistentStateAttribute>()))
            .Where(p => p.Attribute is not null)
            .ToArray();
        _stateFactories = stateParameters.Select(p => CreateStateFactory(p.Parameter, p.Attribute!, services)).ToArray();
        _factory = ActivatorUtilities.CreateFactory(grainClass, stateParameters.Select(p => p.Parameter.ParameterType).ToArray());
    }

    public SiloRuntime Silo { get; }

    public Type GrainClass { get; }

    public GrainType GrainType { get; }

    public bool Collectable { get; }

    public TimeSpan CollectionAge { get; }

    /// <summary>Activations that finished activating and have not deactivated.</summary>
    public int ActiveCount => Volatile.Read(ref _activeCount);

    public ICollection<ActivationData> Activations => _activations.Values;

    public ActivationData GetOrCreate(string key)
    {
        if (_activations.TryGetValue(key, out var activation))
        {
            return activation;
        }

        return Silo.IsClosed
            ? throw new SiloUnavailableException(new GrainId(GrainType, key))
            : _activations.GetOrAdd(key, static (k, type) => new ActivationData(type, k), this);
    }

    public ActivationData? Find(string key) => _activations.TryGetValue(key, out var activation) ? activation : null;

    public void Remove(ActivationData activation) =>
        _activations.TryRemove(new KeyValuePair<string, ActivationData>(activation.Key, activation));

    public void OnActivated()
    {
        Interlocked.Increment(ref _activeCount);
        Silo.Metrics.Activated(GrainType);
    }

    public void OnDeactivated(DeactivationReason reason)
    {
        Interlocked.Decrement(ref _activeCount);
        Silo.Metrics.Deactivated(GrainType, reason.Code);
    }

    public async ValueTask<Grain> CreateGrainAsync(ActivationData activation, CancellationToken cancellationToken)
    {
        var grainId = activation.GrainId;
        var states = new object[_stateFactories.Length];
        for (var i = 0; i < states.Length; i++)
        {
            states[i] = _stateFactories[i](grainId);
            await ((ILoadableState)states[i]).ReadStateAsync(cancellationToken);
        }

        var grain = (Grain)_factory(Silo.Services, states);
        grain.Bind(activation);
        return grain;
    }

    public Task<TResult> InvokeAsync<TGrain, TArg, TResult>(string key, GrainMethod method, TArg arg, Func<TGrain, TArg, Task<TResult>> body) =>
        InvokeCoreAsync(key, method, arg, body);

    private async Task<TResult> InvokeCoreAsync<TGrain, TArg, TResult>(string key, GrainMethod method, TArg arg, Func<TGrain, TArg, Task<TResult>> body)
    {
        if (!_countCalls)
        {
            return await InvokeInTurnAsync(key, method, arg, body);
        }

        var metrics = MetricsOf(method);
        metrics.Count();
        var started = Silo.TimeProvider.GetTimestamp();
        try
        {
            return await InvokeInTurnAsync(key, method, arg, body);
        }
        finally
        {
            metrics.Record(Silo.TimeProvider.GetElapsedTime(started));
        }
    }

    private async Task<TResult> InvokeInTurnAsync<TGrain, TArg, TResult>(string key, GrainMethod method, TArg arg, Func<TGrain, TArg, Task<TResult>> body)
    {
        while (true)
        {
            var activation = GetOrCreate(key);
            if (method.Kind == InvokeKind.AlwaysInterleave && activation.IsActive)
            {
                // No turn: it must not wait behind one (the ValueTask overload does the same on its fast path).
                try
                {
                    return await body((TGrain)(object)activation.Grain, arg);
                }
                finally
                {
                    activation.MarkUsed();
                }
            }

            var exclusive = method.Kind == InvokeKind.Exclusive || !activation.IsActive;
            await activation.Gate.EnterAsync(exclusive);
            try
            {
                if (!await activation.EnsureActiveAsync())
                {
                    continue;
                }

                return await body((TGrain)(object)activation.Grain, arg);
            }
            finally
            {
                // Stamped when the call ends: idleness counts from there, so a long call is not collectable the
                // moment it returns.
                activation.MarkUsed();
                activation.Gate.Exit(exclusive);
            }
        }
    }

    public async Task InvokeAsync<TGrain, TArg>(string key, GrainMethod method, TArg arg, Func<TGrain, TArg, Task> body) =>
        await InvokeCoreAsync<TGrain, (TArg Arg, Func<TGrain, TArg, Task> Body), bool>(
            key,
            method,
            (arg, body),
            static async (grain, state) =>
            {
                await state.Body(grain, state.Arg);
                return true;
            });

    public ValueTask<TResult> InvokeAsync<TGrain, TArg, TResult>(string key, GrainMethod method, TArg arg, Func<TGrain, TArg, ValueTask<TResult>> body)
    {
        if (method.Kind == InvokeKind.AlwaysInterleave && _activations.TryGetValue(key, out var activation) && activation.IsActive)
        {
            // The hit path: no turn, no allocation; counted always, timed 1 in GrainMethodMetrics.SampleEvery.
            activation.MarkUsed();
            if (!_countCalls)
            {
                return body((TGrain)(object)activation.Grain, arg);
            }

            var metrics = MetricsOf(method);
            if (!metrics.CountSampled())
            {
                return body((TGrain)(object)activation.Grain, arg);
            }

            var started = Silo.TimeProvider.GetTimestamp();
            var pending = body((TGrain)(object)activation.Grain, arg);
            if (!pending.IsCompleted)
            {
                return RecordWhenDoneAsync(pending, metrics, started);
            }

            metrics.Record(Silo.TimeProvider.GetElapsedTime(started));
            return pending;
        }

        return new ValueTask<TResult>(InvokeCoreAsync<TGrain, (TArg Arg, Func<TGrain, TArg, ValueTask<TResult>> Body), TResult>(
            key, method, (arg, body), static (grain, state) => state.Body(grain, state.Arg).AsTask()));
    }

    /// <summary>The call counters of <paramref name="method"/> on this type: an array read on the hot path.</summary>
    public GrainMethodMetrics MetricsOf(GrainMethod method)
    {
        var table = Volatile.Read(ref _methodMetrics);
        var id = method.Id;
        return (uint)id < (uint)table.Length && table[id] is { } metrics ? metrics : AddMethodMetrics(method);
    }

    private GrainMethodMetrics AddMethodMetrics(GrainMethod method)
    {
        lock (_methodMetricsLock)
        {
            var table = _methodMetrics;
            if (method.Id < table.Length && table[method.Id] is { } existing)
            {
                return existing;
            }

            // Copy on write: readers never lock, and methods are added once each.
            var grown = new GrainMethodMetrics?[Math.Max(table.Length, method.Id + 1)];
            Array.Copy(table, grown, table.Length);
            var metrics = Silo.Metrics.CreateMethodMetrics(GrainType, method);
            grown[method.Id] = metrics;
            Volatile.Write(ref _methodMetrics, grown);
            return metrics;
        }
    }

    private async ValueTask<TResult> RecordWhenDoneAsync<TResult>(ValueTask<TResult> pending, GrainMethodMetrics metrics, long started)
    {
        try
        {
            return await pending;
        }
        finally
        {
            metrics.Record(Silo.TimeProvider.GetElapsedTime(started));
        }
    }

    public Task RequestDeactivation(string key, DeactivationReason reason) =>
        Find(key) is { } activation ? activation.RequestDeactivation(reason) : Task.CompletedTask;

    private static Func<GrainId, object> CreateStateFactory(ParameterInfo parameter, PersistentStateAttribute attribute, IServiceProvider services)
    {
        var type = parameter.ParameterType;
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IPersistentState<>))
        {
            throw new InvalidOperationException(
                $"[PersistentState] parameter '{parameter.Name}' of {parameter.Member.DeclaringType?.Name} must be IPersistentState<T>.");
        }

        var storage = services.GetRequiredKeyedService<IGrainStorage>(attribute.StorageName ?? SiloBuilder.DefaultStorageName);
        return (Func<GrainId, object>)StateFactoryMethod.MakeGenericMethod(type.GetGenericArguments()[0])
            .Invoke(null, [attribute.StateName, storage])!;
    }

    private static Func<GrainId, object> MakeStateFactory<TState>(string stateName, IGrainStorage storage)
        where TState : new() =>
        grainId => new PersistentState<TState>(stateName, grainId, storage);
}

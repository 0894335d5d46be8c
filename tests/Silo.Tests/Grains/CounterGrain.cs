using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests.Grains;

/// <summary>A counter persisted under state name "counter"; immutable so in-memory storage can hold it by reference.</summary>
public sealed record CounterState
{
    public int Value { get; init; }
}

/// <summary>A persistent counter that reports its lifecycle to the <see cref="GrainProbe"/>.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    [ReadOnly]
    Task<int> GetValueAsync();

    /// <summary>The activation's number from <see cref="GrainProbe.NextActivationId"/>.</summary>
    [ReadOnly]
    Task<int> GetActivationIdAsync();

    Task FailAsync(string message);

    /// <summary>Calls <see cref="Grain.DeactivateOnIdle"/> and returns this activation's number.</summary>
    Task<int> DeactivateSelfAsync();
}

public sealed class CounterGrain(GrainProbe probe, [PersistentState("counter")] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    private int _activationId;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _activationId = probe.NextActivationId();
        probe.Record(GrainId, ProbeEventKind.Activated, _activationId, new ActivationSnapshot(state.RecordExists, state.State.Value));
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record(GrainId, ProbeEventKind.Deactivated, _activationId, reason);
        return Task.CompletedTask;
    }

    public async Task<int> IncrementAsync()
    {
        state.State = state.State with { Value = state.State.Value + 1 };
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<int> GetValueAsync() => Task.FromResult(state.State.Value);

    public Task<int> GetActivationIdAsync() => Task.FromResult(_activationId);

    public Task FailAsync(string message) => throw new InvalidOperationException(message);

    public Task<int> DeactivateSelfAsync()
    {
        DeactivateOnIdle();
        return Task.FromResult(_activationId);
    }
}

public sealed class CounterGrainReference(GrainBinding binding) : GrainReference(binding), ICounterGrain
{
    private static readonly GrainMethod IncrementMethod = GrainMethod.Of<ICounterGrain>(nameof(ICounterGrain.IncrementAsync));
    private static readonly GrainMethod GetValueMethod = GrainMethod.Of<ICounterGrain>(nameof(ICounterGrain.GetValueAsync));
    private static readonly GrainMethod GetActivationIdMethod = GrainMethod.Of<ICounterGrain>(nameof(ICounterGrain.GetActivationIdAsync));
    private static readonly GrainMethod FailMethod = GrainMethod.Of<ICounterGrain>(nameof(ICounterGrain.FailAsync));
    private static readonly GrainMethod DeactivateSelfMethod = GrainMethod.Of<ICounterGrain>(nameof(ICounterGrain.DeactivateSelfAsync));

    public Task<int> IncrementAsync() =>
        InvokeAsync<ICounterGrain, int, int>(IncrementMethod, 0, static (grain, _) => grain.IncrementAsync());

    public Task<int> GetValueAsync() =>
        InvokeAsync<ICounterGrain, int, int>(GetValueMethod, 0, static (grain, _) => grain.GetValueAsync());

    public Task<int> GetActivationIdAsync() =>
        InvokeAsync<ICounterGrain, int, int>(GetActivationIdMethod, 0, static (grain, _) => grain.GetActivationIdAsync());

    public Task FailAsync(string message) =>
        InvokeAsync<ICounterGrain, string>(FailMethod, message, static (grain, m) => grain.FailAsync(m));

    public Task<int> DeactivateSelfAsync() =>
        InvokeAsync<ICounterGrain, int, int>(DeactivateSelfMethod, 0, static (grain, _) => grain.DeactivateSelfAsync());
}

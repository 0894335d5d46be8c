namespace PredictionCache.Silo.Tests.Grains;

/// <summary>
/// Another grain type with the same state name and state type as <see cref="CounterGrain"/>: used to prove that
/// records of different grain types with the same key do not collide.
/// </summary>
public interface ILedgerGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    [ReadOnly]
    Task<int> GetValueAsync();
}

public sealed class LedgerGrain([PersistentState("counter")] IPersistentState<CounterState> state) : Grain, ILedgerGrain
{
    public async Task<int> IncrementAsync()
    {
        state.State = state.State with { Value = state.State.Value + 1 };
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<int> GetValueAsync() => Task.FromResult(state.State.Value);
}

public sealed class LedgerGrainReference(GrainBinding binding) : GrainReference(binding), ILedgerGrain
{
    private static readonly GrainMethod IncrementMethod = GrainMethod.Of<ILedgerGrain>(nameof(ILedgerGrain.IncrementAsync));
    private static readonly GrainMethod GetValueMethod = GrainMethod.Of<ILedgerGrain>(nameof(ILedgerGrain.GetValueAsync));

    public Task<int> IncrementAsync() =>
        InvokeAsync<ILedgerGrain, int, int>(IncrementMethod, 0, static (grain, _) => grain.IncrementAsync());

    public Task<int> GetValueAsync() =>
        InvokeAsync<ILedgerGrain, int, int>(GetValueMethod, 0, static (grain, _) => grain.GetValueAsync());
}

namespace PredictionCache.Silo.Tests.Grains.Duplicate;

/// <summary>
/// A second class named <c>CounterGrain</c>, in another namespace: its grain type name is "counter", the same as
/// <see cref="Grains.CounterGrain"/>'s. Registering both must fail, or they would share storage records and metrics.
/// </summary>
public interface IDuplicateCounterGrain : IGrainWithStringKey
{
    Task PingAsync();
}

public sealed class CounterGrain : Grain, IDuplicateCounterGrain
{
    public Task PingAsync() => Task.CompletedTask;
}

public sealed class DuplicateCounterGrainReference(GrainBinding binding) : GrainReference(binding), IDuplicateCounterGrain
{
    private static readonly GrainMethod PingMethod = GrainMethod.Of<IDuplicateCounterGrain>(nameof(IDuplicateCounterGrain.PingAsync));

    public Task PingAsync() => InvokeAsync<IDuplicateCounterGrain, int>(PingMethod, 0, static (grain, _) => grain.PingAsync());
}

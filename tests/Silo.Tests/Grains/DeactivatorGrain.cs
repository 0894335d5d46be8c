namespace PredictionCache.Silo.Tests.Grains;

/// <summary>A grain that asks another grain to deactivate, as the cache directory does with cold entries.</summary>
public interface IDeactivatorGrain : IGrainWithStringKey
{
    Task DeactivateCounterAsync(string counterKey, string description);
}

public sealed class DeactivatorGrain : Grain, IDeactivatorGrain
{
    public Task DeactivateCounterAsync(string counterKey, string description) =>
        GrainFactory.GetGrain<ICounterGrain>(counterKey).DeactivateOnIdleAsync(description);
}

public sealed class DeactivatorGrainReference(GrainBinding binding) : GrainReference(binding), IDeactivatorGrain
{
    private static readonly GrainMethod DeactivateCounterMethod = GrainMethod.Of<IDeactivatorGrain>(nameof(IDeactivatorGrain.DeactivateCounterAsync));

    public Task DeactivateCounterAsync(string counterKey, string description) =>
        InvokeAsync<IDeactivatorGrain, (string Key, string Description)>(
            DeactivateCounterMethod, (counterKey, description), static (grain, a) => grain.DeactivateCounterAsync(a.Key, a.Description));
}

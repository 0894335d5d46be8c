namespace PredictionCache.Silo;

/// <summary>Inspects and manages the silo's activations, as Orleans' <c>IManagementGrain</c>.</summary>
public interface ISiloManagement
{
    /// <summary>Active activations by grain type name.</summary>
    IReadOnlyDictionary<string, int> GetActivationCounts();

    /// <summary>Active activations of one grain class.</summary>
    int GetActivationCount<TGrain>()
        where TGrain : Grain;

    /// <summary>Whether the <typeparamref name="TGrain"/> grain with <paramref name="key"/> is activated (in memory) now.</summary>
    bool IsActive<TGrain>(string key)
        where TGrain : Grain;

    /// <summary>Deactivates every collectable activation idle for at least <paramref name="ageLimit"/>
    /// (<see cref="TimeSpan.Zero"/>: each type's own collection age).</summary>
    /// <returns>How many were deactivated.</returns>
    Task<int> ForceActivationCollectionAsync(TimeSpan ageLimit, CancellationToken cancellationToken = default);
}

namespace PredictionCache.Silo;

/// <summary>Creates references to grains, as Orleans' <c>IGrainFactory</c>. References are cheap; activation happens on first call.</summary>
public interface IGrainFactory
{
    /// <summary>Returns a reference to the grain of <typeparamref name="TGrainInterface"/> with key <paramref name="primaryKey"/>.</summary>
    /// <exception cref="ArgumentException">No grain class is registered for the interface.</exception>
    TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey;
}

namespace PredictionCache.Silo.Runtime;

/// <summary>Creates grain references from the registrations made with <see cref="ISiloBuilder.AddGrain{TInterface, TGrain}"/>.</summary>
internal sealed class GrainFactory(Dictionary<Type, Func<string, object>> factories) : IGrainFactory
{
    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(primaryKey);
        if (!factories.TryGetValue(typeof(TGrainInterface), out var factory))
        {
            throw new ArgumentException($"No grain class is registered for {typeof(TGrainInterface).Name}.", nameof(TGrainInterface));
        }

        return (TGrainInterface)factory(primaryKey);
    }
}

namespace PredictionCache.Silo.Runtime;

/// <summary>
/// Creates grain references from the registrations made with <see cref="ISiloBuilder.AddGrain{TInterface, TGrain}"/>.
/// The hit path calls <see cref="GetGrain{TGrainInterface}"/> on every request, so the factory for an interface is
/// found by a per-interface index into an array (a static generic field read), not by hashing its <see cref="Type"/>.
/// </summary>
internal sealed class GrainFactory(Dictionary<Type, Func<string, object>> factories) : IGrainFactory
{
    private static int s_nextIndex = -1;
    private Func<string, object>?[] _byIndex = [];

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(primaryKey);
        var index = InterfaceIndex<TGrainInterface>.Value;
        var byIndex = Volatile.Read(ref _byIndex);
        var factory = index < byIndex.Length ? byIndex[index] : null;
        return (TGrainInterface)(factory ?? Resolve(typeof(TGrainInterface), index))(primaryKey);
    }

    private Func<string, object> Resolve(Type grainInterface, int index)
    {
        if (!factories.TryGetValue(grainInterface, out var factory))
        {
            throw new ArgumentException($"No grain class is registered for {grainInterface.Name}.", "TGrainInterface");
        }

        // Copy on write: readers never lock, and a lost race only repeats this lookup.
        var current = Volatile.Read(ref _byIndex);
        var next = new Func<string, object>?[Math.Max(current.Length, index + 1)];
        current.CopyTo(next, 0);
        next[index] = factory;
        Volatile.Write(ref _byIndex, next);
        return factory;
    }

    private static class InterfaceIndex<TGrainInterface>
    {
        public static readonly int Value = Interlocked.Increment(ref s_nextIndex);
    }
}

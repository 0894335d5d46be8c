namespace PredictionCache.Silo;

/// <summary>
/// Marks a grain interface method that only reads state: read-only turns of one activation may run
/// concurrently with each other but never with an exclusive turn, as Orleans' <c>[ReadOnly]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute;

/// <summary>
/// Marks a grain interface method that runs without taking a turn, as Orleans' <c>[AlwaysInterleave]</c>.
/// Unlike Orleans, which runs it on the activation's scheduler, this host runs it on the caller's thread once the
/// activation is active, so it must only read state the grain publishes as immutable objects.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>
/// Sets how long an idle activation of the grain class lives before idle collection deactivates it,
/// as Orleans' <c>[CollectionAgeLimit]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CollectionAgeLimitAttribute : Attribute
{
    /// <summary>Minutes of idleness before collection; 0 uses <see cref="GrainCollectionOptions.CollectionAge"/>.</summary>
    public double Minutes { get; init; }

    /// <summary>When true the activation is never idle-collected; it deactivates only when asked to.</summary>
    public bool AlwaysActive { get; init; }
}

/// <summary>
/// Asks the host to inject an <see cref="IPersistentState{TState}"/> bound to this grain into a constructor
/// parameter, as Orleans' <c>[PersistentState]</c>. The state is read before <c>OnActivateAsync</c>.
/// </summary>
/// <param name="stateName">The state's name; part of the storage key.</param>
/// <param name="storageName">The storage provider's name; null for the default provider.</param>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName, string? storageName = null) : Attribute
{
    /// <summary>The state's name; part of the storage key.</summary>
    public string StateName { get; } = stateName;

    /// <summary>The storage provider's name; null for the default provider.</summary>
    public string? StorageName { get; } = storageName;
}

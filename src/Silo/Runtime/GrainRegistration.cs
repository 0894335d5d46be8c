namespace PredictionCache.Silo.Runtime;

/// <summary>A grain class, the interface it serves, and how to make references to it.</summary>
internal sealed record GrainRegistration(Type Interface, Type GrainClass, Func<GrainBinding, object> CreateReference);

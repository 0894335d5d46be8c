namespace PredictionCache.Silo;

/// <summary>
/// The name of a grain class, as Orleans' <c>GrainType</c>. One instance exists per registered grain class,
/// so identities compare by reference and hash with a precomputed code.
/// </summary>
public sealed class GrainType
{
    internal GrainType(string name) => Name = name;

    /// <summary>The grain type's name (its class name without a trailing <c>Grain</c>, lower case).</summary>
    public string Name { get; }

    /// <inheritdoc />
    public override string ToString() => Name;

    internal static string NameOf(Type grainClass)
    {
        var name = grainClass.Name;
        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > "Grain".Length)
        {
            name = name[..^"Grain".Length];
        }

        return name.ToLowerInvariant();
    }
}

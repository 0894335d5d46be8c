namespace PredictionCache.Silo;

/// <summary>The identity of one grain: its type and its key, as Orleans' <c>GrainId</c>.</summary>
/// <param name="Type">The grain type.</param>
/// <param name="Key">The grain's primary key.</param>
public readonly record struct GrainId(GrainType Type, string Key)
{
    /// <inheritdoc />
    public override string ToString() => $"{Type.Name}/{Key}";
}

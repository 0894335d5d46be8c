using PredictionCache.Silo.Runtime;

namespace PredictionCache.Silo;

/// <summary>What a grain reference is bound to: the silo's runtime for the grain's type, and the key. Opaque to grain code.</summary>
public readonly struct GrainBinding
{
    internal GrainBinding(GrainTypeRuntime type, string key)
    {
        Type = type;
        Key = key;
    }

    internal GrainTypeRuntime Type { get; }

    internal string Key { get; }
}

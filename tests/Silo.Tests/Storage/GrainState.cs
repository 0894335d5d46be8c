namespace PredictionCache.Silo.Tests.Storage;

/// <summary>The state object a provider reads into and writes from, as an activation holds it.</summary>
public sealed class GrainState<T>(T state) : IGrainState<T>
{
    public GrainState()
        : this(default!)
    {
    }

    public T State { get; set; } = state;

    public string? ETag { get; set; }

    public bool RecordExists { get; set; }
}

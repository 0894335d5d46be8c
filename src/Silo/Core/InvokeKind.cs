namespace PredictionCache.Silo;

/// <summary>How a grain method is scheduled on its activation.</summary>
public enum InvokeKind
{
    /// <summary>A turn of its own: no other turn of the activation runs while it does (Orleans' default).</summary>
    Exclusive,

    /// <summary>May run alongside other read-only turns, never alongside an exclusive one (<see cref="ReadOnlyAttribute"/>).</summary>
    ReadOnly,

    /// <summary>
    /// Runs at once on the caller's thread, alongside anything (<see cref="AlwaysInterleaveAttribute"/>).
    /// Such a method may only read state the grain publishes immutably.
    /// </summary>
    AlwaysInterleave,
}

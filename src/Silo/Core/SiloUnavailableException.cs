namespace PredictionCache.Silo;

/// <summary>
/// Thrown by a grain call that would need a new activation while the silo is stopping, as Orleans'
/// <c>SiloUnavailableException</c>: a stopping silo creates no activation it would then never deactivate.
/// </summary>
public sealed class SiloUnavailableException : Exception
{
    /// <summary>Creates the exception for <paramref name="grainId"/>.</summary>
    public SiloUnavailableException(GrainId grainId)
        : base($"The silo is stopping: {grainId} cannot be activated.") => GrainId = grainId;

    /// <summary>The grain the call was for.</summary>
    public GrainId GrainId { get; }
}

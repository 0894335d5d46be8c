namespace PredictionCache.Silo;

/// <summary>Why an activation is deactivated, as Orleans' <c>DeactivationReasonCode</c>.</summary>
public enum DeactivationReasonCode
{
    /// <summary>The grain called <see cref="Grain.DeactivateOnIdle"/> on itself.</summary>
    ApplicationRequested,

    /// <summary>Another grain or the host asked for it (see <see cref="GrainReferenceExtensions.DeactivateOnIdleAsync"/>).</summary>
    ExternalRequest,

    /// <summary>Idle collection: unused for longer than its collection age.</summary>
    ActivationIdle,

    /// <summary><c>OnActivateAsync</c> threw.</summary>
    ActivationFailed,

    /// <summary>The silo is stopping.</summary>
    ShuttingDown,
}

/// <summary>Why an activation is deactivated, with a description for logs.</summary>
/// <param name="Code">The reason's category.</param>
/// <param name="Description">Free text for logs and for the grain's own bookkeeping.</param>
public readonly record struct DeactivationReason(DeactivationReasonCode Code, string Description);

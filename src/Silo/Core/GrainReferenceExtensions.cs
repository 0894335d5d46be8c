namespace PredictionCache.Silo;

/// <summary>Operations on any grain reference.</summary>
public static class GrainReferenceExtensions
{
    /// <summary>
    /// Asks the grain's activation, if there is one, to deactivate once its running turn ends, ahead of queued
    /// calls, as Orleans' <c>IGrainManagementExtension.DeactivateOnIdle</c>. The grain sees
    /// <see cref="DeactivationReasonCode.ExternalRequest"/> with <paramref name="description"/>.
    /// Do not await the returned task from a turn the target may call back into.
    /// </summary>
    /// <returns>A task that completes when the activation is gone (at once if there was none).</returns>
    public static Task DeactivateOnIdleAsync(this IAddressable grain, string description)
    {
        ArgumentNullException.ThrowIfNull(grain);
        if (grain is not GrainReference reference)
        {
            throw new ArgumentException("Only grain references can be asked to deactivate.", nameof(grain));
        }

        return reference.RequestDeactivation(new DeactivationReason(DeactivationReasonCode.ExternalRequest, description));
    }
}

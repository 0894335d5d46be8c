using Orleans.Runtime.Placement;
using PredictionCache.Grains.Placement;

namespace PredictionCache.Silo.Placement;

/// <summary>
/// Places a <see cref="SiloBoundPlacement"/> grain on the silo its key names, when that silo can host it; otherwise on
/// the calling silo (the named silo has left the cluster, and what it held went with it).
/// </summary>
internal sealed class SiloBoundPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var named = SiloBoundPlacement.SiloOf(target.GrainIdentity.Key.ToString()!);
        var compatible = context.GetCompatibleSilos(target);
        return Task.FromResult(named is not null && compatible.Contains(named) ? named : context.LocalSilo);
    }
}

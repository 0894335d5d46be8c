using PredictionCache.Grains.Storage;
namespace PredictionCache.Silo.Storage;

/// <summary>A grain storage provider that can hand out upkeep handles (<see cref="IGrainStateTable{TState}"/>) for its state tables.</summary>
public interface IGrainStateTableProvider
{
    /// <summary>The upkeep handle for <paramref name="grainType"/>'s state <paramref name="stateName"/>, mapped by <paramref name="table"/>.</summary>
    IGrainStateTable<TState> GetTable<TState>(string grainType, string stateName, GrainStateTable<TState> table);
}

namespace PredictionCache.Silo;

/// <summary>Marker for grain interfaces, as Orleans' <c>IGrain</c>.</summary>
public interface IGrain : IAddressable;

/// <summary>A grain addressed by a string key, as Orleans' <c>IGrainWithStringKey</c>.</summary>
public interface IGrainWithStringKey : IGrain;

/// <summary>Anything that names a grain: references and grains themselves.</summary>
public interface IAddressable
{
    /// <summary>The identity of the grain this object addresses.</summary>
    GrainId GrainId { get; }
}

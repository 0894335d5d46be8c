namespace PredictionCache.Grains.Models;

/// <summary>A model the gateway serves: its name and version are part of every cache key.</summary>
/// <param name="Name">The model's name, as clients give it in <c>model</c>.</param>
/// <param name="Version">The model's version; a new version never serves an old one's answers.</param>
public sealed record ModelDescriptor(string Name, string Version);

namespace PredictionCache.Silo.Storage;

/// <summary>
/// Registered when the silo's cluster is the single node of <c>UseConfiguredClustering</c> without an
/// <c>Orleans:Clustering</c> section: no other silo shares its storage, so at start-up every job left processing is one
/// of its earlier runs', whichever port that run listened on (<see cref="CacheStorageService"/>).
/// </summary>
internal sealed class SingleNodeClustering;

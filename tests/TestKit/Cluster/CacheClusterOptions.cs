using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Grains.Inference;

namespace PredictionCache.TestKit;

/// <summary>What a <see cref="CacheCluster"/> is started with.</summary>
public sealed class CacheClusterOptions
{
    /// <summary>
    /// <value>Silos in the cluster, 1 or more. Default 1.</value>
    /// </summary>
    public short Silos { get; set; } = 1;

    /// <summary>
    /// <value>The clock every silo runs on (one clock for the cluster). A restart passes the first cluster's clock to the
    /// second. Default a new <see cref="TestClock"/>.</value>
    /// </summary>
    public TestClock Clock { get; set; } = new();

    /// <summary>
    /// <value>True: the silos run on the system clock and <see cref="Clock"/> is not theirs, for a test that waits on
    /// what real time drives across silos (a shared job store's polled waits; Orleans' membership keeps the real clock
    /// either way). Default false.</value>
    /// </summary>
    public bool RealClock { get; set; }

    /// <summary>
    /// <value>A Redis server (<c>host:port</c>) for Orleans' Redis membership and grain directory, configured as a
    /// production node is (<c>Orleans:Clustering:ProviderType</c> <c>Redis</c> and
    /// <see cref="PredictionCache.Silo.PredictionCacheSiloBuilderExtensions.UseConfiguredClustering(ISiloBuilder, Microsoft.Extensions.Configuration.IConfiguration)"/>)
    /// in place of the test cluster's in-memory membership and directory. Default null (in memory).</value>
    /// </summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>
    /// <value>Configuration keys over <see cref="CacheCluster.DefaultSettings"/>, the same for every silo (a database's
    /// <see cref="TestDatabase.Settings"/>, <c>Cache:MaxEntries</c>, ...). Default none.</value>
    /// </summary>
    public IDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// <value>The models' backends: when any are given they replace every registered <see cref="IInferenceBackend"/>
    /// (the built-in model) on every silo; the first is the default model. One instance serves all silos, so its calls
    /// count cluster-wide. Default none (the built-in model).</value>
    /// </summary>
    public IList<IInferenceBackend> Backends { get; } = [];

    /// <summary>
    /// <value>Service overrides, run for each silo after the cache's own registrations (see
    /// <see cref="CacheClusterServiceCollectionExtensions"/>); a factory registered here makes one instance per silo.
    /// Default none.</value>
    /// </summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }
}

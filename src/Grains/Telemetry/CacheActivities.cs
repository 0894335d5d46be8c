using System.Diagnostics;

namespace PredictionCache.Grains.Telemetry;

/// <summary>
/// The cache's traces: the <see cref="ActivitySource"/> named <see cref="SourceName"/>. A request gets an activity
/// named after its outcome (<see cref="Hit"/>, <see cref="CoalescedWait"/> or <see cref="Miss"/>), and each
/// inference one of its own (<see cref="Inference"/>), each tagged with the cache key and the job id; an upstream
/// request to a model server is <see cref="ModelBatch"/>.
/// </summary>
public static class CacheActivities
{
    /// <summary>The activity source's name.</summary>
    public const string SourceName = "PredictionCache";

    /// <summary>A request answered from the cache.</summary>
    public const string Hit = "predictioncache.hit";

    /// <summary>A request that joined an inference in flight (and may wait for it).</summary>
    public const string CoalescedWait = "predictioncache.coalesced_wait";

    /// <summary>A request that started an inference.</summary>
    public const string Miss = "predictioncache.miss";

    /// <summary>One inference by a model.</summary>
    public const string Inference = "predictioncache.inference";

    /// <summary>One upstream request to a model server, carrying a batch of misses.</summary>
    public const string ModelBatch = "predictioncache.model_batch";

    /// <summary>Tag: how many misses an upstream request carried.</summary>
    public const string BatchSizeTag = "predictioncache.batch_size";

    /// <summary>Tag: the cache key.</summary>
    public const string CacheKeyTag = "predictioncache.cache_key";

    /// <summary>Tag: the job id.</summary>
    public const string JobIdTag = "predictioncache.job_id";

    /// <summary>Tag: the model.</summary>
    public const string ModelTag = "predictioncache.model";

    /// <summary>The source.</summary>
    public static readonly ActivitySource Source = new(SourceName);
}

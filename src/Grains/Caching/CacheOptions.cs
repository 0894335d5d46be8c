using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Grains.Caching;

/// <summary>Cache options (section <c>Cache</c>).</summary>
public sealed class CacheOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cache";

    /// <summary><value>Entries (prediction grain activations) held in memory; the least recently used beyond it are evicted. Range 1–100,000,000; default 10,000.</value></summary>
    [Range(1, 100_000_000)]
    public int MaxEntries { get; set; } = 10_000;

    /// <summary><value>Seconds an entry stays fresh. Range 1–31,536,000 (one year); default 3600.</value></summary>
    [Range(1, 31_536_000)]
    public int TtlSeconds { get; set; } = 3600;

    /// <summary><value>Cache directory shards, each an activation with its own LRU order; 0 means one per processor. Range 0–1024; default 0.</value></summary>
    [Range(0, 1024)]
    public int DirectoryShards { get; set; }

    /// <summary>
    /// <value>Seconds a failed or timed-out inference is remembered (negative caching): requests for its key get the
    /// failure at once, without calling the model. In memory only, never stored. Range 0–86,400; default 0 (off).</value>
    /// </summary>
    [Range(0, 86_400)]
    public int NegativeTtlSeconds { get; set; }

    /// <summary>
    /// <value>Seconds an expired entry is kept past its TTL (fail-safe): a request for it is a miss that infers again,
    /// but when that inference fails or times out the stale result is served; <c>max-stale</c> accepts it at once.
    /// Range 0–31,536,000; default 0 (off).</value>
    /// </summary>
    [Range(0, 31_536_000)]
    public int GraceSeconds { get; set; }

    /// <summary>The TTL as a time span.</summary>
    public TimeSpan Ttl => TimeSpan.FromSeconds(TtlSeconds);

    /// <summary>The effective shard count.</summary>
    public int EffectiveShards => DirectoryShards > 0 ? DirectoryShards : Environment.ProcessorCount;
}

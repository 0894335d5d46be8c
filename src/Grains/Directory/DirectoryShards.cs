using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Prediction;
using PredictionCache.Silo;

namespace PredictionCache.Grains.Directory;

/// <summary>
/// How prediction grains reach the directory: which shard owns a key, the shard's touch buffer, and references
/// to the shard grains. Capacity is split evenly: each shard holds at most ⌈MaxEntries / shards⌉ keys.
/// </summary>
internal sealed class DirectoryShards
{
    private readonly ICacheDirectoryGrain[] _shards;
    private readonly TouchBuffer[] _buffers;
    private readonly int[] _counts;
    private readonly ILogger _logger;

    public DirectoryShards(IGrainFactory grains, IOptions<CacheOptions> options, ILogger<DirectoryShards> logger)
    {
        var count = options.Value.EffectiveShards;
        CapacityPerShard = (int)Math.Ceiling(options.Value.MaxEntries / (double)count);
        _shards = Enumerable.Range(0, count)
            .Select(i => grains.GetGrain<ICacheDirectoryGrain>(i.ToString(CultureInfo.InvariantCulture)))
            .ToArray();
        _buffers = Enumerable.Range(0, count).Select(_ => new TouchBuffer(Environment.ProcessorCount)).ToArray();
        _counts = new int[count];
        _logger = logger;
    }

    public int Count => _shards.Length;

    public int CapacityPerShard { get; }

    public IReadOnlyList<ICacheDirectoryGrain> Shards => _shards;

    /// <summary>The shard owning <paramref name="key"/>: by its first 32 bits for a cache key, by its hash for any other.</summary>
    public int ShardOf(string key) =>
        KeyBuilder.IsWellFormed(key)
            ? KeyBuilder.ShardOf(key, _shards.Length)
            : (int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_shards.Length);

    public TouchBuffer BufferOf(int shard) => _buffers[shard];

    /// <summary>Keys the shard held after its last change, published by the shard grain for metrics (no grain call).</summary>
    public int CountOf(int shard) => Volatile.Read(ref _counts[shard]);

    /// <summary>Publishes the shard's key count; called by the shard grain in its turns.</summary>
    public void PublishCount(int shard, int count) => Volatile.Write(ref _counts[shard], count);

    /// <summary>
    /// Records a cache hit on <paramref name="key"/> for its shard's LRU order, unless the key was touched already
    /// since the shard's last drain (<paramref name="touchedEpoch"/> is the caller's memory of that, kept per grain).
    /// </summary>
    public void Touch(int shard, string key, ref int touchedEpoch)
    {
        var buffer = _buffers[shard];
        var epoch = buffer.Epoch;
        if (touchedEpoch == epoch)
        {
            return;
        }

        touchedEpoch = epoch;
        if (buffer.Add(key))
        {
            // On the thread pool: run inline, a free shard would drain its whole buffer on this hit's thread.
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Shards.FlushAsync(state.Shard), (Shards: this, Shard: shard), preferLocal: false);
        }
    }

    public Task RegisterAsync(int shard, string key, CancellationToken cancellationToken) =>
        _shards[shard].RegisterAsync(key, cancellationToken);

    public Task UnregisterAsync(int shard, string key, CancellationToken cancellationToken) =>
        _shards[shard].UnregisterAsync(key, cancellationToken);

    /// <summary>Clears every shard and deactivates the grains they held; returns how many.</summary>
    public async Task<int> ClearAsync(IGrainFactory grains)
    {
        var keys = await Task.WhenAll(_shards.Select(s => s.ClearAsync()));
        await Task.WhenAll(keys.SelectMany(k => k).Select(k => grains.GetGrain<IPredictionGrain>(k).DeactivateOnIdleAsync("cleared")));
        return keys.Sum(k => k.Count);
    }

    private async Task FlushAsync(int shard)
    {
        // Owns the flush it starts: a failure is logged here, never lost.
        try
        {
            await _shards[shard].FlushTouchesAsync();
        }
        catch (Exception ex)
        {
            PredictionLog.TouchFlushFailed(_logger, ex, shard);
        }
    }
}

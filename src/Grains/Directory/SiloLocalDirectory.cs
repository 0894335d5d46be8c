using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Placement;
using PredictionCache.Grains.Prediction;

namespace PredictionCache.Grains.Directory;

/// <summary>
/// This silo's cache directory: its shard grains (keyed by this silo's address and an index, placed on this silo by
/// <see cref="SiloBoundPlacement"/>), the touch buffer of each, and the key counts the shards publish for metrics.
/// Per silo by design: each silo bounds its own activations to <c>Cache:MaxEntries</c>, split evenly over its shards
/// (at most ⌈MaxEntries / shards⌉ each). A shard lives as long as its silo: nothing deactivates it
/// (<see cref="CacheDirectoryGrain"/> is never collected as idle), and it goes when the silo stops.
/// </summary>
internal sealed class SiloLocalDirectory
{
    private readonly IGrainFactory _grains;
    private readonly ILocalSiloDetails? _silo;
    private readonly TouchBuffer[] _buffers;
    private readonly int[] _counts;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private ICacheDirectoryGrain[]? _shards;

    /// <remarks>
    /// <paramref name="silo"/> is null in a gateway that is only an Orleans client: nothing activates there, so nothing
    /// registers or touches a key, and the directory is never asked for its shards.
    /// </remarks>
    public SiloLocalDirectory(
        IGrainFactory grains, IOptions<CacheOptions> options, IHostApplicationLifetime lifetime, ILogger<SiloLocalDirectory> logger, ILocalSiloDetails? silo = null)
    {
        _grains = grains;
        _silo = silo;
        _stopping = lifetime.ApplicationStopping;
        var count = options.Value.EffectiveShards;
        CapacityPerShard = (int)Math.Ceiling(options.Value.MaxEntries / (double)count);
        _buffers = Enumerable.Range(0, count).Select(_ => new TouchBuffer(Environment.ProcessorCount)).ToArray();
        _counts = new int[count];
        _logger = logger;
    }

    public int Count => _buffers.Length;

    public int CapacityPerShard { get; }

    /// <summary>References to this silo's shards (made on first use: the silo's address is known once it runs).</summary>
    public IReadOnlyList<ICacheDirectoryGrain> Shards => _shards ??= Enumerable.Range(0, _buffers.Length)
        .Select(i => _grains.GetGrain<ICacheDirectoryGrain>(SiloBoundPlacement.KeyOf(SiloAddress, i.ToString(CultureInfo.InvariantCulture))))
        .ToArray();

    private SiloAddress SiloAddress => _silo?.SiloAddress
        ?? throw new InvalidOperationException("The cache directory is a silo's: this process is only an Orleans client.");

    /// <summary>The shard owning <paramref name="key"/>: by its first 32 bits for a cache key, by its hash for any other.</summary>
    public int ShardOf(string key) =>
        KeyBuilder.IsWellFormed(key)
            ? KeyBuilder.ShardOf(key, _buffers.Length)
            : (int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_buffers.Length);

    public TouchBuffer BufferOf(int shard) => _buffers[shard];

    /// <summary>Keys the shard held after its last change, published by the shard grain for metrics (no grain call).</summary>
    public int CountOf(int shard) => Volatile.Read(ref _counts[shard]);

    /// <summary>Keys held by all of this silo's shards.</summary>
    public long TotalCount => _counts.Sum(static c => (long)c);

    /// <summary>Publishes the shard's key count; called by the shard grain in its turns.</summary>
    public void PublishCount(int shard, int count) => Volatile.Write(ref _counts[shard], count);

    /// <summary>
    /// Records a use of <paramref name="key"/> for its shard's LRU order, unless the key was touched already since the
    /// shard's last drain (<paramref name="touchedEpoch"/> is the caller's memory of that, kept per entry).
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
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Directory.FlushAsync(state.Shard), (Directory: this, Shard: shard), preferLocal: false);
        }
    }

    /// <summary>
    /// Registers <paramref name="key"/> with its shard. Both calls give up once the silo is stopping: the shards are
    /// deactivating with every other grain then, and a call to one would wait out the response timeout, holding the
    /// calling prediction grain's turn and with it the silo's stop.
    /// </summary>
    public async Task RegisterAsync(int shard, string key, string tenant, CancellationToken cancellationToken)
    {
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping);
        await Shards[shard].RegisterAsync(key, tenant, call.Token);
    }

    /// <summary>Unregisters <paramref name="key"/> of <paramref name="tenant"/> from its shard (see <see cref="RegisterAsync"/>).</summary>
    public async Task UnregisterAsync(int shard, string key, string tenant, CancellationToken cancellationToken)
    {
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping);
        await Shards[shard].UnregisterAsync(key, tenant, call.Token);
    }

    private async Task FlushAsync(int shard)
    {
        // Owns the flush it starts: a failure is logged here, never lost.
        try
        {
            await Shards[shard].FlushTouchesAsync();
        }
        catch (Exception ex)
        {
            PredictionLog.TouchFlushFailed(_logger, ex, shard);
        }
    }
}

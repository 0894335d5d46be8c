using Microsoft.Extensions.Options;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Models;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Telemetry;
using PredictionCache.Silo;

namespace PredictionCache.Grains.Caching;

/// <summary>
/// The cache's front door for the gateway: builds the key, tries the hit path, falls back to the prediction
/// grain's turn, and serves jobs, stats and clearing.
/// </summary>
public sealed class PredictionService
{
    private readonly IGrainFactory _grains;
    private readonly IJobStore _jobs;
    private readonly CacheStatistics _statistics;
    private readonly ISiloManagement _silo;
    private readonly DirectoryShards _directory;
    private readonly CacheOptions _options;
    private readonly StorageOptions _storageOptions;
    private readonly IGrainStateTable<CacheEntry> _entries;
    private readonly TimeProvider _time;
    private readonly CacheMetrics _metrics;

    internal PredictionService(
        IGrainFactory grains,
        ModelCatalog models,
        IJobStore jobs,
        CacheStatistics statistics,
        ISiloManagement silo,
        DirectoryShards directory,
        IGrainStateTable<CacheEntry> entries,
        IOptions<CacheOptions> options,
        IOptions<StorageOptions> storageOptions,
        CacheMetrics metrics,
        TimeProvider time)
    {
        _metrics = metrics;
        _grains = grains;
        Models = models;
        _jobs = jobs;
        _statistics = statistics;
        _silo = silo;
        _directory = directory;
        _options = options.Value;
        _entries = entries;
        _storageOptions = storageOptions.Value;
        _time = time;
    }

    /// <summary>The models served.</summary>
    public ModelCatalog Models { get; }

    /// <summary>Answers a prediction request for <paramref name="text"/>, already normalized to <paramref name="normalizedText"/>.</summary>
    public ValueTask<PredictOutcome> PredictAsync(
        ModelDescriptor model, string text, string normalizedText, CacheDirectives directives, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return PredictCoreAsync(
            model, Models.TryGetServed(model.Name, out var served) ? served.Statistics : null, text, normalizedText, directives, cancellationToken);
    }

    /// <summary>
    /// As <see cref="PredictAsync(ModelDescriptor, string, string, CacheDirectives, CancellationToken)"/>, for a model
    /// the caller has already looked up (the gateway does, to normalize by its policy): no second lookup per request.
    /// </summary>
    public ValueTask<PredictOutcome> PredictAsync(
        ServedModel model, string text, string normalizedText, CacheDirectives directives, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return PredictCoreAsync(model.Descriptor, model.Statistics, text, normalizedText, directives, cancellationToken);
    }

    private async ValueTask<PredictOutcome> PredictCoreAsync(
        ModelDescriptor model, ModelStatistics? statistics, string text, string normalizedText, CacheDirectives directives, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(normalizedText);
        var key = KeyBuilder.Build(model, normalizedText);
        var grain = _grains.GetGrain<IPredictionGrain>(key);
        if (!directives.NoCache && await grain.TryGetAsync(new CacheProbe(normalizedText, directives.MaxAge, directives.MaxStale)) is { } entry)
        {
            statistics?.Hit();

            // Only a max-stale request can be answered with an expired entry: no clock read on a plain hit.
            var stale = directives.MaxStale is not null && entry.IsStale(_time.GetUtcNow());
            return new PredictOutcome(stale ? PredictOutcomeKind.Stale : PredictOutcomeKind.Hit, key, entry.JobId, entry);
        }

        var ticket = await grain.GetOrStartAsync(new PredictionRequest(model.Name, text, normalizedText, directives), cancellationToken);
        var kind = ticket.Status switch
        {
            PredictionStatus.Hit => PredictOutcomeKind.Hit,
            PredictionStatus.Stale => PredictOutcomeKind.Stale,
            PredictionStatus.Failed => PredictOutcomeKind.Failed,
            PredictionStatus.Started => PredictOutcomeKind.Started,
            PredictionStatus.Joined => PredictOutcomeKind.Joined,
            PredictionStatus.NotCached => PredictOutcomeKind.NotCached,
            _ => PredictOutcomeKind.Overloaded,
        };
        switch (kind)
        {
            case PredictOutcomeKind.Hit:
                statistics?.Hit();
                break;
            case PredictOutcomeKind.Started:
                statistics?.Miss();
                break;
            case PredictOutcomeKind.Joined:
                statistics?.Coalesce();
                break;
        }

        return new PredictOutcome(kind, key, ticket.JobId, ticket.Entry, ticket.Failure);
    }

    /// <summary>
    /// Fail-safe after a failed job: the entry still kept for <paramref name="key"/> and <paramref name="normalizedText"/>,
    /// fresh or expired within grace; null when there is none.
    /// </summary>
    public async ValueTask<CacheEntry?> GetFallbackAsync(string key, string normalizedText)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(normalizedText);
        return await _grains.GetGrain<IPredictionGrain>(key).TryGetAsync(new CacheProbe(normalizedText, null, TimeSpan.MaxValue));
    }

    /// <summary>The job, or null.</summary>
    public Task<JobRecord?> GetJobAsync(Guid id, CancellationToken cancellationToken = default) => _jobs.GetAsync(id, cancellationToken);

    /// <summary>The job once finished or after <paramref name="timeout"/>; null when unknown.</summary>
    public Task<JobRecord?> WaitForJobAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _jobs.WaitAsync(id, timeout, cancellationToken);

    /// <summary>Removes one entry; false when there was none.</summary>
    public Task<bool> RemoveEntryAsync(string key, CancellationToken cancellationToken = default) =>
        KeyBuilder.IsWellFormed(key) ? _grains.GetGrain<IPredictionGrain>(key).RemoveAsync(cancellationToken) : Task.FromResult(false);

    /// <summary>Removes every entry from memory and storage and resets the counters.</summary>
    public async Task<CacheStatsSnapshot> ClearAsync(CancellationToken cancellationToken = default)
    {
        // While it runs nothing is stored, and no grain comes back from a row it may be deleting; a grain that read
        // its row just before and comes back after sees the row predates the clear. Inferences started before it
        // ends store nothing (the generation moves at both ends).
        _statistics.BeginClear(_time.GetUtcNow());
        try
        {
            await _directory.ClearAsync(_grains).WaitAsync(cancellationToken);
            await _entries.ClearAsync(cancellationToken);
        }
        finally
        {
            _statistics.EndClear();
        }

        return await GetStatsAsync(cancellationToken);
    }

    /// <summary>Counts what the metrics' storage gauges show (stored entries, jobs by status) again.</summary>
    public async Task RefreshGaugesAsync(CancellationToken cancellationToken = default)
    {
        _metrics.UpdateStoredEntries(await _entries.CountAsync(cancellationToken));
        await RefreshJobCountsAsync(cancellationToken);
    }

    /// <summary>Counts jobs by status again, for the metrics' gauge (<see cref="GetStatsAsync"/> counts the stored entries).</summary>
    public async Task RefreshJobCountsAsync(CancellationToken cancellationToken = default) =>
        _metrics.UpdateJobs(await _jobs.CountByStatusAsync(cancellationToken));

    /// <summary>The current figures; <c>stored_entries</c> is counted in storage.</summary>
    public async Task<CacheStatsSnapshot> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        var stored = await _entries.CountAsync(cancellationToken);
        _metrics.UpdateStoredEntries(stored);
        var hits = _statistics.Hits;
        var misses = _statistics.Misses;
        var coalesced = _statistics.Coalesced;
        var requests = hits + misses + coalesced;
        return new CacheStatsSnapshot(
            Size: _statistics.Size,
            MaxSize: _options.MaxEntries,
            TtlSeconds: _options.TtlSeconds,
            Hits: hits,
            HitsL1: _statistics.MemoryHits,
            HitsL2: _statistics.StorageHits,
            Misses: misses,
            HitRatio: requests == 0 ? 0 : Math.Round(hits / (double)requests, 4),
            MemoryMb: Math.Round(GC.GetTotalMemory(forceFullCollection: false) / (1024.0 * 1024.0), 1),
            Evictions: _statistics.Evictions,
            Expirations: _statistics.Expirations,
            Coalesced: coalesced,
            Inferences: _statistics.Inferences,
            Inflight: _statistics.Inflight,
            Activations: _silo.GetActivationCounts().Values.Sum(),
            StoredEntries: stored,
            MaxStoredEntries: _storageOptions.MaxEntries);
    }
}

using Microsoft.Extensions.Options;
using PredictionCache.Grains.Cluster;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Keys;
using PredictionCache.Grains.Models;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Storage;
using PredictionCache.Grains.Telemetry;

namespace PredictionCache.Grains.Caching;

/// <summary>
/// The cache's front door for the gateway: builds the key, answers a hit from this silo's published entries without a
/// grain call, falls back to the key's grain (on this silo or another), and serves jobs, stats and clearing.
/// </summary>
internal sealed class PredictionService(
    IGrainFactory grains,
    ModelCatalog models,
    IJobStore jobs,
    PredictionGrainServices silo,
    IGrainStateTable<CacheEntry> entries,
    IOptions<CacheOptions> options,
    IOptions<StorageOptions> storageOptions,
    CacheMetrics metrics,
    TimeProvider time)
{
    /// <summary>Sends of one grain call Orleans rejected before it ran (see <see cref="CallKeyAsync{T}"/>).</summary>
    private const int MaxSends = 8;

    private readonly SiloLocalEntries _published = silo.Published;

    /// <summary>The models served.</summary>
    public ModelCatalog Models { get; } = models;

    /// <summary>
    /// Answers a prediction request of <paramref name="tenant"/> (empty: none) for <paramref name="text"/>, already
    /// normalized by <paramref name="model"/>'s policy. A shared model's entries are no tenant's.
    /// </summary>
    public ValueTask<PredictionOutcome> PredictAsync(
        ServedModel model, string text, string normalizedText, CacheDirectives directives, string tenant = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(normalizedText);
        tenant = model.TenantOf(tenant);

        // The hit path: the key's activation lives on this silo and has published a fresh entry for this very input (no
        // key is computed). A max-stale read goes to the grain, which knows the grace.
        if (!directives.NoCache && directives.MaxStale is null && _published.TryGet(tenant, model.Descriptor.Name, normalizedText, out var published) &&
            published.Entry.Serves(normalizedText, time.GetUtcNow(), directives.MaxAge))
        {
            silo.CountHit(published);
            model.Statistics.Hit();
            return ValueTask.FromResult(new PredictionOutcome(PredictionStatus.Hit, published.Key, published.Entry.JobId, published.Entry));
        }

        return PredictFromGrainAsync(model, KeyBuilder.Build(model.Descriptor, normalizedText, tenant), tenant, text, normalizedText, directives, cancellationToken);
    }

    private async ValueTask<PredictionOutcome> PredictFromGrainAsync(
        ServedModel model, string key, string tenant, string text, string normalizedText, CacheDirectives directives, CancellationToken cancellationToken)
    {
        var request = new PredictionRequest(model.Descriptor.Name, text, normalizedText, directives, tenant);
        var outcome = await CallKeyAsync(key, (grain, ct) => grain.GetOrStartAsync(request, ct), cancellationToken);
        switch (outcome.Status)
        {
            case PredictionStatus.Hit:
                model.Statistics.Hit();
                break;
            case PredictionStatus.Started:
                model.Statistics.Miss();
                break;
            case PredictionStatus.Joined:
                model.Statistics.Coalesce();
                break;
        }

        return outcome;
    }

    /// <summary>
    /// Fail-safe after a failed job: the entry still kept for <paramref name="key"/> and <paramref name="normalizedText"/>,
    /// fresh or expired within grace; null when there is none.
    /// </summary>
    public ValueTask<CacheEntry?> GetFallbackAsync(string key, string normalizedText)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(normalizedText);
        var probe = new CacheProbe(normalizedText, null, TimeSpan.MaxValue);
        return new ValueTask<CacheEntry?>(CallKeyAsync(key, (grain, _) => grain.TryGetAsync(probe).AsTask(), CancellationToken.None));
    }

    /// <summary>
    /// Waits up to <paramref name="wait"/> for the job of a miss (<c>Prefer: wait</c>). The fail-safe decision is made
    /// here, once for every endpoint: when the job failed and an entry is still kept for the key within the grace, that
    /// entry answers instead (the job stays failed).
    /// </summary>
    public async Task<WaitedAnswer> WaitAsync(PredictionOutcome outcome, string normalizedText, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var job = await jobs.WaitAsync(outcome.JobId, wait, cancellationToken);
        var fallback = job is { Status: JobStatus.Failed } ? await GetFallbackAsync(outcome.Key, normalizedText) : null;
        return new WaitedAnswer(job, fallback);
    }

    /// <summary>The job, or null.</summary>
    public Task<JobRecord?> GetJobAsync(Guid id, CancellationToken cancellationToken = default) => jobs.GetAsync(id, cancellationToken);

    /// <summary>The job once finished or after <paramref name="timeout"/>; null when unknown.</summary>
    public Task<JobRecord?> WaitForJobAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        jobs.WaitAsync(id, timeout, cancellationToken);

    /// <summary>
    /// Removes one entry; false when there was none, or when <paramref name="tenant"/> is given and the entry is not
    /// that tenant's (null: any entry, for a global key).
    /// </summary>
    public Task<bool> RemoveEntryAsync(string key, string? tenant = null, CancellationToken cancellationToken = default) =>
        KeyBuilder.IsWellFormed(key) ? CallKeyAsync(key, (grain, ct) => grain.RemoveAsync(tenant, ct), cancellationToken) : Task.FromResult(false);

    /// <summary>
    /// Calls the grain of <paramref name="key"/>, sending again a call Orleans rejected before it ran. A prediction grain
    /// deactivates itself once it holds nothing (after a removal, a clear, a miss that stored nothing), and calls queued
    /// behind that turn are forwarded to its next activation; under concurrent requests for one key that one may go
    /// too, and Orleans rejects a call forwarded more than <c>MaxForwardCount</c> (2) times. The call never ran, so
    /// sending it again is safe.
    /// </summary>
    private async Task<T> CallKeyAsync<T>(string key, Func<IPredictionGrain, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<IPredictionGrain>(key);
        for (var send = 1; ; send++)
        {
            try
            {
                return await call(grain, cancellationToken);
            }
            catch (OrleansMessageRejectionException) when (send < MaxSends && !cancellationToken.IsCancellationRequested)
            {
                // Rejected before it ran: send it again.
            }
        }
    }

    /// <summary>
    /// Removes every entry of <paramref name="tenant"/> (null: every entry) from memory on every silo and from storage,
    /// and restarts its counters; returns its figures after.
    /// </summary>
    public async Task<CacheStatsSnapshot> ClearAsync(string? tenant = null, CancellationToken cancellationToken = default)
    {
        await grains.GetGrain<ICacheClusterGrain>(ICacheClusterGrain.Key).ClearAsync(tenant, cancellationToken);
        return await GetStatsAsync(tenant, cancellationToken);
    }

    /// <summary>Counts what the metrics' storage gauges show (stored entries, jobs by status) again.</summary>
    public async Task RefreshGaugesAsync(CancellationToken cancellationToken = default)
    {
        metrics.UpdateStoredEntries(await entries.CountAsync(cancellationToken));
        await RefreshJobCountsAsync(cancellationToken);
    }

    /// <summary>Counts jobs by status again, for the metrics' gauge (<see cref="GetStatsAsync"/> counts the stored entries).</summary>
    public async Task RefreshJobCountsAsync(CancellationToken cancellationToken = default) =>
        metrics.UpdateJobs(await jobs.CountByStatusAsync(cancellationToken));

    /// <summary>
    /// The cluster's figures, or <paramref name="tenant"/>'s (null: the whole cache's): totals over its active silos and
    /// each one's own; <c>stored_entries</c> is counted in storage.
    /// </summary>
    public async Task<CacheStatsSnapshot> GetStatsAsync(string? tenant = null, CancellationToken cancellationToken = default)
    {
        tenant = string.IsNullOrEmpty(tenant) ? null : tenant;
        var cluster = await grains.GetGrain<ICacheClusterGrain>(ICacheClusterGrain.Key).GetStatsAsync(tenant, cancellationToken);
        if (tenant is null)
        {
            metrics.UpdateStoredEntries(cluster.StoredEntries);
        }

        var nodes = cluster.Nodes;
        var hits = nodes.Sum(static n => n.Hits);
        var misses = nodes.Sum(static n => n.Misses);
        var coalesced = nodes.Sum(static n => n.Coalesced);
        var requests = hits + misses + coalesced;
        return new CacheStatsSnapshot(
            Size: nodes.Sum(static n => n.Size),
            MaxSize: nodes.Count == 0 ? options.Value.MaxEntries : nodes.Sum(static n => n.MaxSize),
            TtlSeconds: options.Value.TtlSeconds,
            Hits: hits,
            HitsL1: nodes.Sum(static n => n.HitsL1),
            HitsL2: nodes.Sum(static n => n.HitsL2),
            Misses: misses,
            HitRatio: requests == 0 ? 0 : Math.Round(hits / (double)requests, 4),
            MemoryMb: Math.Round(nodes.Sum(static n => n.MemoryMb), 1),
            Evictions: nodes.Sum(static n => n.Evictions),
            Expirations: nodes.Sum(static n => n.Expirations),
            Coalesced: coalesced,
            Inferences: nodes.Sum(static n => n.Inferences),
            Inflight: nodes.Sum(static n => n.Inflight),
            Activations: nodes.Sum(static n => n.Activations),
            StoredEntries: cluster.StoredEntries,
            MaxStoredEntries: storageOptions.Value.MaxEntries,
            Nodes: nodes)
        {
            Tenant = tenant,
        };
    }

    /// <summary>Every member of the cluster, with the figures of the active ones (<c>GET /cluster</c>).</summary>
    public Task<IReadOnlyList<ClusterNode>> GetNodesAsync(CancellationToken cancellationToken = default) =>
        grains.GetGrain<ICacheClusterGrain>(ICacheClusterGrain.Key).GetNodesAsync(cancellationToken);
}

/// <summary>What a client waiting for a miss gets.</summary>
/// <param name="Job">The job as it is at the end of the wait (processing when the wait ran out); null when unknown.</param>
/// <param name="Fallback">For a failed job, the entry kept within the grace that answers instead (fail-safe); else null.</param>
internal sealed record WaitedAnswer(JobRecord? Job, CacheEntry? Fallback);

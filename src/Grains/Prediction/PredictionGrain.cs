using Orleans.Placement;
using Orleans.Storage;
using System.Diagnostics;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Telemetry;
using PredictionCache.Grains.Tenants;

namespace PredictionCache.Grains.Prediction;

/// <summary>
/// One cache key. Its single activation in the cluster deduplicates inference: a miss admits an inference, creates
/// its job and returns at once; concurrent misses join that job. The inference runs off the activation and its outcome
/// comes back as a call of its own (<see cref="CompleteAsync"/>), which stores the entry, publishes it in the silo's
/// <see cref="SiloLocalEntries"/> and completes the job.
/// Its life is governed by the TTL timer and the silo's LRU directory, not by idle age (Orleans' idle collector runs
/// on the wall clock): with nothing to hold it deactivates itself. An expired entry is kept for the grace
/// (<see cref="CacheOptions.GraceSeconds"/>) so a failed inference can fall back to it; a failure is remembered for
/// <see cref="CacheOptions.NegativeTtlSeconds"/> (PredictionGrain.Failures.cs).
/// A key activates on the silo that first asks for it (<see cref="PreferLocalPlacementAttribute"/>): with co-hosted
/// gateways, the node a key's clients reach answers its hits from its own published entries.
/// </summary>
[GrainType("predictioncache.prediction")]
[PreferLocalPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed partial class PredictionGrain(
    [PersistentState(PredictionGrain.StateName, PredictionGrain.StorageName)] IPersistentState<CacheEntry> state,
    PredictionGrainServices services) : Grain, IPredictionGrain
{
    /// <summary>The grain storage provider that keeps entries.</summary>
    public const string StorageName = "cache";

    /// <summary>The state's name.</summary>
    public const string StateName = "entry";

    // The clear sequence when this activation was created, before Orleans read its state: a clear that began after
    // that may have deleted the row the read returned, however close together the two happened.
    private readonly long _createdInSequence = services.ClearState.Sequence;

    private string _key = "";

    // The tenant the key belongs to (empty for none), from the stored entry or the first request; and its counters.
    private string _tenant = "";
    private SiloLocalTenant? _tenantState;
    private PublishedEntry? _published;
    private IGrainTimer? _ttlTimer;
    private Inflight? _inflight;
    private int _shard;

    // True once the directory or a clear has let go of the key: deactivation does not unregister it again.
    private bool _released;

    private CacheEntry? Entry => _published?.Entry;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        services.Statistics.Activated();
        _key = this.GetPrimaryKeyString();
        _shard = services.Directory.ShardOf(_key);
        if (!state.RecordExists)
        {
            return;
        }

        // The state was read from storage (level 2) before this call: an entry evicted from memory, kept across a
        // restart, or kept by another silo. Eviction never deletes it; only expiry, removal, clearing and trimming do.
        AdoptTenant(state.State.Tenant);
        if (ClearRunningOrRanSince(_createdInSequence) || services.ClearState.PredatesLastClear(state.State.CreatedAt, _tenant))
        {
            // A clear is deleting this row, or ran between the read and now (the row may be one it deleted), or the row
            // predates the last clear: it must not come back.
            await ForgetStoredAsync(cancellationToken);
            return;
        }

        // Kept for the grace past expiry: a fail-safe or max-stale request may still be served from it.
        if (state.State.ExpiresAt + services.Grace <= services.Time.GetUtcNow())
        {
            services.Statistics.Expired();
            _tenantState?.Statistics.Expired();
            await ForgetStoredAsync(cancellationToken);
            return;
        }

        await PublishAsync(state.State, fromStorage: true, cancellationToken);
        if (ClearRunningOrRanSince(_createdInSequence))
        {
            // A clear began while the entry was being registered and may have missed it (its shard had no key to hand
            // over yet): the entry goes now, so nothing from before a clear outlives it.
            await ClearEntryAsync(cancellationToken);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        services.Statistics.Deactivated();
        if (_published is null)
        {
            return;
        }

        Withdraw();

        // The silo is stopping: its directory shards go with it, and are deactivating too, so a call to one would wait
        // for the response timeout and hold the silo's stop that long.
        if (!_released && reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
        {
            // Deactivated by Orleans itself (a directory conflict, a failure): the shard forgets it.
            try
            {
                await services.Directory.UnregisterAsync(_shard, _key, _tenant, cancellationToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                PredictionLog.UnregisterFailed(services.Logger, ex, _key);
            }
        }
    }

    public ValueTask<CacheEntry?> TryGetAsync(CacheProbe probe) =>
        ValueTask.FromResult(Serve(probe.NormalizedText, probe.MaxAge, probe.MaxStale));

    public async Task<PredictionOutcome> GetOrStartAsync(PredictionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!services.Models.TryGetServed(request.Model, out var served) || served.Descriptor.Name != request.Model)
        {
            // Checked before anything is admitted or created: an inference for a model without a backend would
            // leave its job processing and this key joined to it for good.
            DeactivateIfEmpty();
            throw new ArgumentException($"The model '{request.Model}' is not served.", nameof(request));
        }

        if (_published is null && _inflight is null)
        {
            AdoptTenant(request.Tenant);
        }

        var directives = request.Directives;
        if (!directives.NoCache && Serve(request.NormalizedText, directives.MaxAge, directives.MaxStale) is { } entry)
        {
            return Outcome(entry.IsStale(services.Time.GetUtcNow()) ? PredictionStatus.Stale : PredictionStatus.Hit, entry.JobId, entry);
        }

        if (!directives.NoCache && RememberedFailure(request) is { } failed)
        {
            return failed;
        }

        // Only the same input joins: another input under this key (a hash collision) must not get this one's answer.
        if (_inflight is { } inflight && !directives.OnlyIfCached &&
            string.Equals(inflight.NormalizedText, request.NormalizedText, StringComparison.Ordinal) &&
            string.Equals(inflight.Model, request.Model, StringComparison.Ordinal))
        {
            inflight.Store |= !directives.NoStore;
            services.Statistics.Coalesce();
            _tenantState?.Statistics.Coalesce();
            return Outcome(PredictionStatus.Joined, inflight.JobId);
        }

        if (directives.OnlyIfCached)
        {
            DeactivateIfEmpty();
            return Outcome(PredictionStatus.NotCached, Guid.Empty);
        }

        // The tenant's own cap first: a tenant at its limit is refused without taking a slot of the model's queue.
        var tenant = _tenantState;
        if (tenant is not null && !tenant.TryStartInference())
        {
            DeactivateIfEmpty();
            return Outcome(PredictionStatus.TenantOverloaded, Guid.Empty);
        }

        if (!served.Scheduler.TryAdmit())
        {
            tenant?.InferenceWithdrawn();
            DeactivateIfEmpty();
            return Outcome(PredictionStatus.Overloaded, Guid.Empty);
        }

        var job = new JobRecord(
            Guid.NewGuid(), _key, request.Model, request.Text, JobStatus.Processing, null, null, services.Time.GetUtcNow(), null,
            Owner: services.JobOwner, Tenant: _tenant);
        try
        {
            // Stored before anyone hears its id: a client told about a job can always find it.
            await services.Jobs.CreateAsync(job, cancellationToken);
        }
        catch
        {
            served.Scheduler.Withdraw();
            tenant?.InferenceWithdrawn();
            DeactivateIfEmpty();
            throw;
        }

        services.Statistics.Miss();
        tenant?.Statistics.Miss();

        // A colliding input is inferred on its own: its job gets its answer, the key keeps the entry it has.
        var started = new Inflight(job.Id, request.Model, request.NormalizedText, !directives.NoStore, services.ClearState.Sequence, _tenant, tenant);
        if (_inflight is null)
        {
            _inflight = started;
        }

        // Off the activation: a model call must not hold the activation's scheduler; its outcome comes back as a call.
        var self = this.AsReference<IPredictionGrain>();
        started.Completion = Task.Run(() => InferAsync(self, started), CancellationToken.None);
        PredictionLog.InferenceStarted(services.Logger, _key, job.Id);
        return Outcome(PredictionStatus.Started, job.Id);
    }

    public async Task<bool> RemoveAsync(string? tenant = null, CancellationToken cancellationToken = default)
    {
        if (tenant is not null && !string.Equals(tenant, _published?.Entry.Tenant ?? _tenant, StringComparison.Ordinal))
        {
            // Another tenant's key (or a shared model's): as if there were nothing, so a key says nothing about its owner.
            DeactivateIfEmpty();
            return false;
        }

        ForgetFailure();
        var existed = _published is not null;
        if (existed)
        {
            await ClearEntryAsync(cancellationToken);
        }

        DeactivateIfEmpty();
        return existed;
    }

    public async Task CompleteAsync(Guid jobId, InferenceOutcome outcome)
    {
        if (_inflight is { } inflight && inflight.JobId == jobId)
        {
            _inflight = null;
            await ApplyAsync(inflight, outcome);
        }
        else
        {
            // A colliding input's inference, or this activation is not the one that started it (evicted or cleared
            // meanwhile): the job gets its answer; the entry is not kept.
            await FinishJobAsync(jobId, outcome);
        }

        DeactivateIfEmpty();
    }

    public Task EvictAsync()
    {
        // The shard has forgotten the key already; the row stays in storage, for the next request to bring back.
        _released = true;
        Withdraw();
        StopTtlTimer();
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task DropAsync()
    {
        // A clear: the shard has forgotten the key, and storage is cleared as a whole after every silo has dropped.
        _released = true;
        ForgetFailure();
        Withdraw();
        StopTtlTimer();
        DeactivateIfEmpty();
        return Task.CompletedTask;
    }

    /// <summary>
    /// The entry, when it answers <paramref name="normalizedText"/> now and is no older than <paramref name="maxAge"/>,
    /// or, with <paramref name="maxStale"/>, expired no longer than that ago and within the grace; serving it counts a
    /// hit and touches the LRU.
    /// </summary>
    private CacheEntry? Serve(string normalizedText, TimeSpan? maxAge, TimeSpan? maxStale = null)
    {
        var published = _published;
        var now = services.Time.GetUtcNow();
        if (published?.Entry is not { } entry ||
            (!entry.Serves(normalizedText, now, maxAge) &&
             (maxStale is not { } stale || !entry.ServesStale(normalizedText, now, stale, services.Grace) ||
              (maxAge is { } limit && now - entry.CreatedAt > limit))))
        {
            return null;
        }

        services.CountHit(published);
        return entry;
    }

    private async Task InferAsync(IPredictionGrain self, Inflight inflight)
    {
        InferenceOutcome outcome;

        // Its lines (failure, store, job completion) carry the key and job id, and its trace span is the inference.
        using (services.Logger.BeginScope(new RequestLogScope(_key, inflight.JobId)))
        using (var activity = CacheActivities.Source.StartActivity(CacheActivities.Inference))
        {
            activity?.SetTag(CacheActivities.CacheKeyTag, _key);
            activity?.SetTag(CacheActivities.JobIdTag, inflight.JobId.ToString());
            activity?.SetTag(CacheActivities.ModelTag, inflight.Model);
            var model = services.Models.Get(inflight.Model);
            try
            {
                outcome = await model.Scheduler.RunAsync(model.Backend, inflight.NormalizedText);
            }
            finally
            {
                inflight.TenantState?.InferenceFinished();
            }

            if (outcome.Error is { } error)
            {
                activity?.SetStatus(ActivityStatusCode.Error, error);
            }
        }

        try
        {
            await self.CompleteAsync(inflight.JobId, outcome);
        }
        catch (Exception ex)
        {
            // The silo is stopping, or the call failed: the job still gets its answer, never left processing.
            PredictionLog.CompletionCallFailed(services.Logger, ex, _key, inflight.JobId);
            await FinishJobAsync(inflight.JobId, outcome);
        }
    }

    private async Task ApplyAsync(Inflight inflight, InferenceOutcome outcome)
    {
        if (outcome.Result is null)
        {
            RememberFailure(inflight, outcome);
        }
        else if (_failure is not null)
        {
            // A no-cache request got through while a failure was remembered, and succeeded: the model is back.
            ForgetFailure();
        }

        if (outcome.Result is { } result && inflight.Store && !ClearedSince(inflight))
        {
            var now = services.Time.GetUtcNow();
            var entry = new CacheEntry
            {
                Model = inflight.Model,
                NormalizedText = inflight.NormalizedText,
                Result = result,
                JobId = inflight.JobId,
                CreatedAt = now,
                ExpiresAt = now + services.Models.TtlOf(inflight.Model),
                Tenant = inflight.Tenant,
            };
            try
            {
                await StoreAsync(entry);
                await PublishAsync(entry, fromStorage: false, CancellationToken.None);
                if (ClearedSince(inflight))
                {
                    // A clear started while the entry was being stored and may have missed it (the directory had no
                    // key to hand it): the entry goes now, so nothing from before a clear outlives it.
                    await ClearEntryAsync(CancellationToken.None);
                }
            }
            catch (Exception ex)
            {
                PredictionLog.StoreFailed(services.Logger, ex, _key, inflight.JobId);
            }
        }

        await FinishJobAsync(inflight.JobId, outcome);
    }

    private async Task FinishJobAsync(Guid jobId, InferenceOutcome outcome)
    {
        var now = services.Time.GetUtcNow();
        if (outcome.Result is null)
        {
            PredictionLog.InferenceFailed(services.Logger, _key, jobId, outcome.Error!);
        }

        var jobs = services.Jobs;
        var write = (CancellationToken cancellationToken) => outcome.Result is { } result
            ? jobs.CompleteAsync(jobId, result, now, cancellationToken)
            : jobs.FailAsync(jobId, outcome.Error!, now, outcome.TimedOut, cancellationToken);
        try
        {
            await write(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Storage refused it (down, unreachable): written again in the background, never left processing.
            PredictionLog.JobCompletionFailed(services.Logger, ex, _key, jobId);
            services.JobCompletions.Schedule(jobId, write);
        }
    }

    /// <summary>Publishes <paramref name="entry"/> on this silo, arms the TTL timer, and registers or touches the key.</summary>
    private async Task PublishAsync(CacheEntry entry, bool fromStorage, CancellationToken cancellationToken)
    {
        var isNew = _published is null;
        var published = new PublishedEntry(_key, entry, _shard, fromStorage, _tenantState);
        _published = published;
        _released = false;
        services.Published.Publish(published);
        var dueIn = entry.ExpiresAt + services.Grace - services.Time.GetUtcNow();
        ArmTtlTimer(dueIn < TimeSpan.Zero ? TimeSpan.Zero : dueIn);
        if (isNew)
        {
            await services.Directory.RegisterAsync(_shard, _key, entry.Tenant, cancellationToken);
        }
        else
        {
            // A refresh (no-cache, max-age) is a use: the entry moves up the LRU order as a hit would move it.
            services.Directory.Touch(_shard, _key, ref published.TouchedEpoch);
        }
    }

    private void ArmTtlTimer(TimeSpan dueIn)
    {
        if (_ttlTimer is null)
        {
            _ttlTimer = this.RegisterGrainTimer(
                static (self, _) => self.OnTtlElapsedAsync(), this, new GrainTimerCreationOptions(dueIn, Timeout.InfiniteTimeSpan));
        }
        else
        {
            _ttlTimer.Change(dueIn, Timeout.InfiniteTimeSpan);
        }
    }

    private void StopTtlTimer()
    {
        _ttlTimer?.Dispose();
        _ttlTimer = null;
    }

    private void Withdraw()
    {
        if (_published is { } published)
        {
            services.Published.Withdraw(published);
            _published = null;
        }
    }

    private async Task OnTtlElapsedAsync()
    {
        if (Entry is not { } entry)
        {
            return;
        }

        // The entry goes once its grace has passed too; until then fail-safe and max-stale may serve it.
        var dueIn = entry.ExpiresAt + services.Grace - services.Time.GetUtcNow();
        if (dueIn > TimeSpan.Zero)
        {
            _ttlTimer?.Change(dueIn, Timeout.InfiniteTimeSpan);
            return;
        }

        services.Statistics.Expired();
        _tenantState?.Statistics.Expired();
        await ClearEntryAsync(CancellationToken.None);
        DeactivateIfEmpty();
    }

    private async Task ClearEntryAsync(CancellationToken cancellationToken)
    {
        // Withdrawn first: from here on no hit on any path serves it.
        Withdraw();
        StopTtlTimer();
        await ForgetStoredAsync(cancellationToken);
        await services.Directory.UnregisterAsync(_shard, _key, _tenant, cancellationToken);
        _released = true;
    }

    /// <summary>
    /// Writes <paramref name="entry"/> to storage. This grain is its key's only writer, so a version conflict means
    /// storage upkeep (trim, sweep, clear) removed the row under it: read the current version and write again.
    /// </summary>
    private async Task StoreAsync(CacheEntry entry)
    {
        state.State = entry;
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            await state.ReadStateAsync();
            state.State = entry;
            await state.WriteStateAsync();
        }
    }

    /// <summary>Removes the stored entry; one that storage upkeep removed already counts as removed.</summary>
    private async Task ForgetStoredAsync(CancellationToken cancellationToken)
    {
        if (!state.RecordExists)
        {
            return;
        }

        try
        {
            await state.ClearStateAsync(cancellationToken);
        }
        catch (InconsistentStateException)
        {
            await state.ReadStateAsync(cancellationToken);
            if (state.RecordExists)
            {
                await state.ClearStateAsync(cancellationToken);
            }
        }
    }

    /// <summary>True when a clear started (or is running) since <paramref name="inflight"/> began: its result is not kept.</summary>
    private bool ClearedSince(Inflight inflight) => ClearRunningOrRanSince(inflight.Sequence);

    /// <summary>True when a clear of this key's tenant (or of the whole cache) is running or began or ended since <paramref name="sequence"/>.</summary>
    private bool ClearRunningOrRanSince(long sequence) =>
        services.ClearState.ChangedSince(sequence, _tenant) || services.ClearState.IsRunning(_tenant);

    /// <summary>Takes <paramref name="tenant"/> as the key's tenant (the key hashes it: one key, one tenant).</summary>
    private void AdoptTenant(string tenant)
    {
        if (!string.Equals(_tenant, tenant, StringComparison.Ordinal) || (_tenantState is null && tenant.Length > 0))
        {
            _tenant = tenant;
            _tenantState = services.Tenants.Of(tenant);
        }
    }

    private PredictionOutcome Outcome(PredictionStatus status, Guid jobId, CacheEntry? entry = null, PredictionFailure? failure = null) =>
        new(status, _key, jobId, entry, failure);

    private void DeactivateIfEmpty()
    {
        if (_published is null && _inflight is null && _failure is null)
        {
            DeactivateOnIdle();
        }
    }

    /// <summary>The inference in flight for this key and the job every concurrent miss shares.</summary>
    private sealed class Inflight(Guid jobId, string model, string normalizedText, bool store, long sequence, string tenant, SiloLocalTenant? tenantState)
    {
        public Guid JobId { get; } = jobId;

        public string Model { get; } = model;

        /// <summary>The input it answers.</summary>
        public string NormalizedText { get; } = normalizedText;

        /// <summary>Whether any caller wants the result stored (a <c>no-store</c> caller alone does not).</summary>
        public bool Store { get; set; } = store;

        /// <summary>The clear sequence when it started.</summary>
        public long Sequence { get; } = sequence;

        /// <summary>The tenant whose entry it fills (empty for none).</summary>
        public string Tenant { get; } = tenant;

        /// <summary>The tenant's slot it holds until the inference ends; null for no tenant.</summary>
        public SiloLocalTenant? TenantState { get; } = tenantState;

        /// <summary>The inference and the call that brings its outcome back, owned by the grain.</summary>
        public Task? Completion { get; set; }
    }
}

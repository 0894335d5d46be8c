using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Inference;
using System.Diagnostics;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Telemetry;
using PredictionCache.Silo;

namespace PredictionCache.Grains.Prediction;

/// <summary>
/// One cache key. The entry is published in a volatile field so the hit path (<see cref="TryGetAsync"/>) reads it
/// without a turn; everything that changes it runs in turns. A miss admits an inference, creates its job, and
/// returns at once; concurrent misses join that job; the inference's result comes back into the actor through
/// <see cref="Grain.RunInTurnAsync"/>, is stored, then completes the job.
/// Its life is governed by the TTL timer and the LRU directory, not by idle age; with nothing to hold it
/// deactivates itself. An expired entry is kept for the grace (<see cref="CacheOptions.GraceSeconds"/>) so a failed
/// inference can fall back to it; a failure is remembered for <see cref="CacheOptions.NegativeTtlSeconds"/>
/// (PredictionGrain.Failures.cs).
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed partial class PredictionGrain(
    [PersistentState("entry")] IPersistentState<CacheEntry> state,
    PredictionGrainServices services) : Grain, IPredictionGrain
{
    private volatile CacheEntry? _entry;
    private IGrainTimer? _ttlTimer;
    private Inflight? _inflight;
    private int _shard;

    // Written by concurrent hits without a turn: a torn or lost update only costs one redundant touch.
    private int _touchedEpoch = -1;

    // 1 while the entry came from storage and has not served yet: its first hit counts as a level-2 hit.
    private int _fromStorage;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _shard = services.Directory.ShardOf(GetPrimaryKeyString());
        if (!state.RecordExists)
        {
            return;
        }

        // The state was read from storage (level 2) before this call: an entry evicted from memory, or kept across a
        // restart. Eviction never deletes it; only expiry, removal, clearing and storage trimming do.
        if (services.Statistics.ClearRunning || services.Statistics.PredatesLastClear(state.State.CreatedAt))
        {
            // A clear is deleting this row, or was when it was read: it must not come back.
            await ForgetStoredAsync(cancellationToken);
            return;
        }

        // Kept for the grace past expiry: a fail-safe or max-stale request may still be served from it.
        if (state.State.ExpiresAt + services.Grace <= services.Time.GetUtcNow())
        {
            services.Statistics.Expired();
            await ForgetStoredAsync(cancellationToken);
            return;
        }

        _fromStorage = 1;
        await PublishAsync(state.State, cancellationToken);
    }

    public ValueTask<CacheEntry?> TryGetAsync(CacheProbe probe) =>
        ValueTask.FromResult(Serve(probe.NormalizedText, probe.MaxAge, probe.MaxStale));

    public async Task<PredictionTicket> GetOrStartAsync(PredictionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!services.Models.TryGetServed(request.Model, out var served) || served.Descriptor.Name != request.Model)
        {
            // Checked before anything is admitted or created: an inference for a model without a backend would
            // fault unobserved and leave its job processing and this key joined to it for good.
            DeactivateIfEmpty();
            throw new ArgumentException($"The model '{request.Model}' is not served.", nameof(request));
        }

        var directives = request.Directives;
        if (!directives.NoCache && Serve(request.NormalizedText, directives.MaxAge, directives.MaxStale) is { } entry)
        {
            return new PredictionTicket(entry.IsStale(services.Time.GetUtcNow()) ? PredictionStatus.Stale : PredictionStatus.Hit, entry.JobId, entry);
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
            return new PredictionTicket(PredictionStatus.Joined, inflight.JobId, null);
        }

        if (directives.OnlyIfCached || !served.Scheduler.TryAdmit())
        {
            DeactivateIfEmpty();
            return new PredictionTicket(directives.OnlyIfCached ? PredictionStatus.NotCached : PredictionStatus.Overloaded, Guid.Empty, null);
        }

        var job = new JobRecord(
            Guid.NewGuid(), GetPrimaryKeyString(), request.Model, request.Text, JobStatus.Processing, null, null, services.Time.GetUtcNow(), null);
        try
        {
            // Stored before anyone hears its id: a client told about a job can always find it.
            await services.Jobs.CreateAsync(job, cancellationToken);
        }
        catch
        {
            served.Scheduler.Withdraw();
            DeactivateIfEmpty();
            throw;
        }

        services.Statistics.Miss();

        // A colliding input is inferred on its own: its job gets its answer, the key keeps the entry it has.
        var collision = _inflight is not null;
        var started = new Inflight(job.Id, request.Model, request.NormalizedText, !directives.NoStore && !collision, services.Statistics.Generation);
        if (!collision)
        {
            _inflight = started;
        }

        started.Completion = InferAndApplyAsync(started, request.NormalizedText);
        PredictionLog.InferenceStarted(services.Logger, GetPrimaryKeyString(), job.Id);
        return new PredictionTicket(PredictionStatus.Started, job.Id, null);
    }

    public async Task<bool> RemoveAsync(CancellationToken cancellationToken = default)
    {
        ForgetFailure();
        var existed = _entry is not null;
        if (existed)
        {
            await ClearEntryAsync(cancellationToken);
        }

        DeactivateIfEmpty();
        return existed;
    }

    /// <summary>
    /// The entry, when it answers <paramref name="normalizedText"/> now and is no older than <paramref name="maxAge"/>,
    /// or, with <paramref name="maxStale"/>, expired no longer than that ago and within the grace; serving it counts a
    /// hit and touches the LRU. Used with and without a turn: it only reads the published entry.
    /// </summary>
    private CacheEntry? Serve(string normalizedText, TimeSpan? maxAge, TimeSpan? maxStale = null)
    {
        var entry = _entry;
        var now = services.Time.GetUtcNow();
        if (entry is null ||
            (!entry.Serves(normalizedText, now, maxAge) &&
             (maxStale is not { } stale || !entry.ServesStale(normalizedText, now, stale, services.Grace) ||
              (maxAge is { } limit && now - entry.CreatedAt > limit))))
        {
            return null;
        }

        if (_fromStorage == 0 || Interlocked.Exchange(ref _fromStorage, 0) == 0)
        {
            services.Statistics.Hit();
        }
        else
        {
            services.Statistics.StorageHit();
        }

        services.Directory.Touch(_shard, GetPrimaryKeyString(), ref _touchedEpoch);
        return entry;
    }

    private async Task InferAndApplyAsync(Inflight inflight, string normalizedText)
    {
        // Its lines (failure, store, job completion) carry the key and job id, and its trace span is the inference.
        using var scope = services.Logger.BeginScope(new RequestLogScope(GetPrimaryKeyString(), inflight.JobId));
        using var activity = CacheActivities.Source.StartActivity(CacheActivities.Inference);
        activity?.SetTag(CacheActivities.CacheKeyTag, GetPrimaryKeyString());
        activity?.SetTag(CacheActivities.JobIdTag, inflight.JobId.ToString());
        activity?.SetTag(CacheActivities.ModelTag, inflight.Model);
        var model = services.Models.Get(inflight.Model);
        var outcome = await model.Scheduler.RunAsync(model.Backend, normalizedText);
        if (outcome.Error is { } error)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error);
        }

        if (!await RunInTurnAsync(() => ApplyAsync(inflight, outcome, normalizedText)))
        {
            // Deactivated meanwhile (evicted or cleared): the job still gets its answer; the entry is not kept.
            await FinishJobAsync(inflight, outcome);
        }
    }

    private async Task ApplyAsync(Inflight inflight, InferenceOutcome outcome, string normalizedText)
    {
        if (ReferenceEquals(_inflight, inflight))
        {
            _inflight = null;
        }

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
                NormalizedText = normalizedText,
                Result = result,
                JobId = inflight.JobId,
                CreatedAt = now,
                ExpiresAt = now + services.Models.TtlOf(inflight.Model),
            };
            try
            {
                await StoreAsync(entry);
                _fromStorage = 0;
                await PublishAsync(entry, CancellationToken.None);
                if (ClearedSince(inflight))
                {
                    // A clear started while the entry was being stored and may have missed it (the directory had no
                    // key to hand it): the entry goes now, so nothing from before a clear outlives it.
                    await ClearEntryAsync(CancellationToken.None);
                }
            }
            catch (Exception ex)
            {
                PredictionLog.StoreFailed(services.Logger, ex, GetPrimaryKeyString(), inflight.JobId);
            }
        }

        await FinishJobAsync(inflight, outcome);
        DeactivateIfEmpty();
    }

    private async Task FinishJobAsync(Inflight inflight, InferenceOutcome outcome)
    {
        var now = services.Time.GetUtcNow();
        if (outcome.Result is null)
        {
            PredictionLog.InferenceFailed(services.Logger, GetPrimaryKeyString(), inflight.JobId, outcome.Error!);
        }

        var jobs = services.Jobs;
        var write = (CancellationToken cancellationToken) => outcome.Result is { } result
            ? jobs.CompleteAsync(inflight.JobId, result, now, cancellationToken)
            : jobs.FailAsync(inflight.JobId, outcome.Error!, now, outcome.TimedOut, cancellationToken);
        try
        {
            await write(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Storage refused it (down, unreachable): written again in the background, never left processing.
            PredictionLog.JobCompletionFailed(services.Logger, ex, GetPrimaryKeyString(), inflight.JobId);
            services.JobCompletions.Schedule(inflight.JobId, write);
        }
    }

    private async Task PublishAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        var isNew = _entry is null;
        _entry = entry;
        var dueIn = entry.ExpiresAt + services.Grace - services.Time.GetUtcNow();
        if (_ttlTimer is null)
        {
            _ttlTimer = RegisterGrainTimer(
                static (self, _) => self.OnTtlElapsedAsync(), this, new GrainTimerCreationOptions { DueTime = dueIn });
        }
        else
        {
            _ttlTimer.Change(dueIn, Timeout.InfiniteTimeSpan);
        }

        if (isNew)
        {
            await services.Directory.RegisterAsync(_shard, GetPrimaryKeyString(), cancellationToken);
        }
        else
        {
            // A refresh (no-cache, max-age) is a use: the entry moves up the LRU order as a hit would move it.
            services.Directory.Touch(_shard, GetPrimaryKeyString(), ref _touchedEpoch);
        }
    }

    private async Task OnTtlElapsedAsync()
    {
        if (_entry is not { } entry)
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

        // Not the tick's token: ClearEntryAsync disposes this very timer, which cancels that token, and the storage
        // clear and unregistration that follow must still run.
        await ClearEntryAsync(CancellationToken.None);
        DeactivateIfEmpty();
    }

    private async Task ClearEntryAsync(CancellationToken cancellationToken)
    {
        _entry = null;
        _fromStorage = 0;
        await ForgetStoredAsync(cancellationToken);

        await services.Directory.UnregisterAsync(_shard, GetPrimaryKeyString(), cancellationToken);

        // Last: when the TTL timer's own tick runs this, disposing the timer cancels the token used above.
        _ttlTimer?.Dispose();
        _ttlTimer = null;
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
    private bool ClearedSince(Inflight inflight) =>
        inflight.Generation != services.Statistics.Generation || services.Statistics.ClearRunning;

    private void DeactivateIfEmpty()
    {
        if (_entry is null && _inflight is null && _failure is null)
        {
            DeactivateOnIdle();
        }
    }

    /// <summary>The inference in flight for this key and the job every concurrent miss shares.</summary>
    private sealed class Inflight(Guid jobId, string model, string normalizedText, bool store, long generation)
    {
        public Guid JobId { get; } = jobId;

        public string Model { get; } = model;

        /// <summary>The input it answers.</summary>
        public string NormalizedText { get; } = normalizedText;

        /// <summary>Whether any caller wants the result stored (a <c>no-store</c> caller alone does not).</summary>
        public bool Store { get; set; } = store;

        /// <summary>The clear generation it started in.</summary>
        public long Generation { get; } = generation;

        /// <summary>The completion, owned by the grain.</summary>
        public Task? Completion { get; set; }
    }
}

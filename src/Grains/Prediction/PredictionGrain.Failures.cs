using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Inference;

namespace PredictionCache.Grains.Prediction;

/// <summary>
/// Negative caching: a failed inference is remembered for <see cref="CacheOptions.NegativeTtlSeconds"/>, so requests
/// for the key in that time get the failure (or, fail-safe, the stale entry kept for the grace) at once, without
/// calling a model that has just failed. In memory only: a failure is never stored, and a clear or a removal
/// forgets it.
/// </summary>
internal sealed partial class PredictionGrain
{
    private RememberedFailureEntry? _failure;
    private IGrainTimer? _failureTimer;

    /// <summary>
    /// The answer a remembered failure gives <paramref name="request"/>: the stale entry when there is one within the
    /// grace, else the failure itself; null when no failure is remembered for this input.
    /// </summary>
    private PredictionOutcome? RememberedFailure(PredictionRequest request)
    {
        if (_failure is not { } failure)
        {
            return null;
        }

        if (failure.Until <= services.Time.GetUtcNow() || ClearRunningOrRanSince(failure.Sequence))
        {
            // Its timer is late, or a clear ran since: it no longer counts.
            ForgetFailure();
            return null;
        }

        if (!string.Equals(failure.NormalizedText, request.NormalizedText, StringComparison.Ordinal) ||
            !string.Equals(failure.Model, request.Model, StringComparison.Ordinal))
        {
            return null;
        }

        if (Serve(request.NormalizedText, maxAge: null, maxStale: TimeSpan.MaxValue) is { } stale)
        {
            return Outcome(PredictionStatus.Stale, stale.JobId, stale);
        }

        return Outcome(PredictionStatus.Failed, failure.JobId, failure: new PredictionFailure(failure.Error, failure.TimedOut));
    }

    /// <summary>Remembers the failed <paramref name="outcome"/> of <paramref name="inflight"/>, when negative caching is on.</summary>
    private void RememberFailure(Inflight inflight, InferenceOutcome outcome)
    {
        // A colliding input's failure is its own; a failure from before a clear is not remembered after it.
        if (services.NegativeTtl <= TimeSpan.Zero || !inflight.Store || ClearedSince(inflight))
        {
            return;
        }

        _failure = new RememberedFailureEntry(
            inflight.JobId, inflight.Model, inflight.NormalizedText, outcome.Error ?? "Inference failed.", outcome.TimedOut,
            services.Time.GetUtcNow() + services.NegativeTtl, inflight.Sequence);
        if (_failureTimer is null)
        {
            _failureTimer = this.RegisterGrainTimer(
                static (self, _) => self.OnFailureElapsedAsync(), this, new GrainTimerCreationOptions(services.NegativeTtl, Timeout.InfiniteTimeSpan));
        }
        else
        {
            _failureTimer.Change(services.NegativeTtl, Timeout.InfiniteTimeSpan);
        }
    }

    private void ForgetFailure()
    {
        _failure = null;
        _failureTimer?.Dispose();
        _failureTimer = null;
    }

    private Task OnFailureElapsedAsync()
    {
        ForgetFailure();
        DeactivateIfEmpty();
        return Task.CompletedTask;
    }

    /// <summary>A failure remembered for the key until <paramref name="Until"/>.</summary>
    private sealed record RememberedFailureEntry(
        Guid JobId, string Model, string NormalizedText, string Error, bool TimedOut, DateTimeOffset Until, long Sequence);
}

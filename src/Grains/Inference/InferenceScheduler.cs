using Microsoft.Extensions.Options;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Telemetry;

namespace PredictionCache.Grains.Inference;

/// <summary>
/// Bounds inference: at most <see cref="InferenceOptions.MaxConcurrency"/> run at once and at most
/// <see cref="InferenceOptions.MaxQueueLength"/> wait. A miss is admitted (<see cref="TryAdmit"/>) before its job
/// is created, so a full queue refuses it up front instead of piling up. Runs never throw: a backend failure,
/// an exception or a timeout becomes a failed <see cref="InferenceOutcome"/>.
/// </summary>
internal sealed class InferenceScheduler
{
    private readonly SemaphoreSlim _slots;
    private readonly int _capacity;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly CacheStatistics _statistics;
    private readonly CacheMetrics? _metrics;
    private int _admitted;
    private int _running;

    // metrics: null (unit tests) reports inference latency, failures and the queue nowhere.
    public InferenceScheduler(IOptions<InferenceOptions> options, TimeProvider time, CacheStatistics statistics, CacheMetrics? metrics = null)
        : this(options.Value.MaxConcurrency, options.Value.MaxQueueLength, TimeSpan.FromSeconds(options.Value.TimeoutSeconds), time, statistics, metrics)
    {
    }

    /// <summary>A scheduler of its own, for one model (<c>Models:N:MaxConcurrency</c>, <c>Models:N:MaxQueueLength</c>).</summary>
    public InferenceScheduler(
        int maxConcurrency, int maxQueueLength, TimeSpan timeout, TimeProvider time, CacheStatistics statistics, CacheMetrics? metrics = null)
    {
        _slots = new SemaphoreSlim(maxConcurrency, maxConcurrency);
        _capacity = maxConcurrency + maxQueueLength;
        _timeout = timeout;
        _time = time;
        _statistics = statistics;
        _metrics = metrics;
    }

    /// <summary>Inferences admitted and waiting for a slot.</summary>
    public int Queued => Math.Max(0, Volatile.Read(ref _admitted) - Volatile.Read(ref _running));

    /// <summary>Reserves room for one inference; false when the queue is full.</summary>
    public bool TryAdmit()
    {
        if (Interlocked.Increment(ref _admitted) > _capacity)
        {
            Interlocked.Decrement(ref _admitted);
            return false;
        }

        _statistics.InferenceStarted();
        return true;
    }

    /// <summary>Gives back an admission that will not run (its job could not be created).</summary>
    public void Withdraw()
    {
        Interlocked.Decrement(ref _admitted);
        _statistics.InferenceWithdrawn();
    }

    /// <summary>
    /// Runs one admitted inference. Its job gets an answer by the deadline even from a backend that ignores its
    /// cancellation token, but the slot stays taken until the backend's call really ends, so no more than
    /// <see cref="InferenceOptions.MaxConcurrency"/> calls ever run at once.
    /// </summary>
    public async Task<InferenceOutcome> RunAsync(IInferenceBackend backend, string normalizedText)
    {
        try
        {
            await _slots.WaitAsync();
            Interlocked.Increment(ref _running);
            _statistics.SlotTaken();
            var timeout = new CancellationTokenSource(_timeout, _time);
            Task<PredictionResult>? inference = null;
            var started = _time.GetTimestamp();
            var failed = true;
            try
            {
                inference = backend.InferAsync(normalizedText, timeout.Token);
                var outcome = InferenceOutcome.Success(await inference.WaitAsync(timeout.Token));
                failed = false;
                return outcome;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                return InferenceOutcome.Timeout(new InferenceTimeoutException(backend.Model, _timeout).Message);
            }
            catch (InferenceTimeoutException ex)
            {
                return InferenceOutcome.Timeout(ex.Message);
            }
            catch (InferenceFailedException ex)
            {
                return InferenceOutcome.Failure(ex.Message);
            }
            catch (Exception ex)
            {
                return InferenceOutcome.Failure($"Inference by model '{backend.Model.Name}' failed: {ex.Message}");
            }
            finally
            {
                _metrics?.InferenceFinished(backend.Model.Name, _time.GetElapsedTime(started), failed);
                if (inference is null || inference.IsCompleted)
                {
                    ReleaseSlot(timeout);
                }
                else
                {
                    // Timed out and still running: the slot (and the token source) go when the call ends.
                    _ = inference.ContinueWith(
                        static (call, state) =>
                        {
                            var (scheduler, source) = ((InferenceScheduler, CancellationTokenSource))state!;
                            _ = call.Exception;
                            scheduler.ReleaseSlot(source);
                        },
                        (this, timeout),
                        CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _admitted);
            _statistics.InferenceFinished();
        }
    }

    private void ReleaseSlot(CancellationTokenSource timeout)
    {
        timeout.Dispose();
        Interlocked.Decrement(ref _running);
        _statistics.SlotReleased();
        _slots.Release();
    }
}

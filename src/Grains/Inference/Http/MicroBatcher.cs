using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PredictionCache.Grains.Telemetry;

namespace PredictionCache.Grains.Inference.Http;

/// <summary>
/// Sends one model's misses upstream in batches: a batch waits for a free upstream slot (at most
/// <c>MaxConcurrency</c> requests in flight), takes what is queued up to <c>MaxBatchSize</c>, then waits up to
/// <c>MaxDelayMs</c> for more. Each miss gets its own prediction back, or the batch's failure. Misses pile up
/// while every slot is busy, so batches grow under load without any added delay. Each upstream request is a span
/// (<see cref="CacheActivities.ModelBatch"/>) whose parent is the first miss's inference and which links the others',
/// so the model server's HTTP call shows in the trace of the inference that started it.
/// </summary>
internal sealed class MicroBatcher : IAsyncDisposable, IDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Func<IReadOnlyList<string>, CancellationToken, Task<PredictionResult[]>> _send;
    private readonly SemaphoreSlim _slots;
    private readonly int _maxBatchSize;
    private readonly TimeSpan _maxDelay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _model;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private int _sending;

    public MicroBatcher(
        string model,
        Func<IReadOnlyList<string>, CancellationToken, Task<PredictionResult[]>> send,
        int maxConcurrency,
        int maxBatchSize,
        TimeSpan maxDelay,
        TimeProvider time,
        ILogger logger)
    {
        _model = model;
        _send = send;
        _slots = new SemaphoreSlim(maxConcurrency, maxConcurrency);
        _maxBatchSize = maxBatchSize;
        _maxDelay = maxBatchSize > 1 ? maxDelay : TimeSpan.Zero;
        _time = time;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Upstream requests in flight.</summary>
    public int Sending => Volatile.Read(ref _sending);

    /// <summary>Queues <paramref name="text"/> for the next batch and completes with its own prediction.</summary>
    public Task<PredictionResult> InferAsync(string text, CancellationToken cancellationToken)
    {
        var pending = new Pending(text, Activity.Current?.Context ?? default);
        if (cancellationToken.CanBeCanceled)
        {
            pending.Registration = cancellationToken.Register(
                static state => ((Pending)state!).Completion.TrySetCanceled(), pending);
        }

        if (!_queue.Writer.TryWrite(pending))
        {
            pending.Completion.TrySetException(new ObjectDisposedException(nameof(MicroBatcher)));
        }

        return pending.Completion.Task;
    }

    /// <summary>Stops taking misses and cancels the loop without waiting for it (for a container disposed synchronously).</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _stopping.Cancel();
        while (_queue.Reader.TryRead(out var pending))
        {
            pending.Completion.TrySetCanceled();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        while (_queue.Reader.TryRead(out var pending))
        {
            pending.Completion.TrySetCanceled();
        }

        // _stopping is not disposed: it has no timer, and Dispose may still be called after this.
    }

    private async Task RunAsync()
    {
        // The loop's sends are parented on their misses' spans, never on whatever was current when the loop started.
        Activity.Current = null;
        var reader = _queue.Reader;
        var token = _stopping.Token;
        while (await reader.WaitToReadAsync(token))
        {
            await _slots.WaitAsync(token);
            var batch = new List<Pending>(Math.Min(_maxBatchSize, 256));
            Drain(reader, batch);
            if (batch.Count > 0 && batch.Count < _maxBatchSize && _maxDelay > TimeSpan.Zero)
            {
                await FillAsync(reader, batch, token);
            }

            if (batch.Count == 0)
            {
                _slots.Release();
                continue;
            }

            Interlocked.Increment(ref _sending);

            // Owned here: SendAsync never throws, completes every miss of the batch and gives the slot back.
            _ = SendAsync(batch);
        }
    }

    /// <summary>Waits up to the batch delay for more misses, or until the batch is full.</summary>
    private async Task FillAsync(ChannelReader<Pending> reader, List<Pending> batch, CancellationToken token)
    {
        var started = _time.GetTimestamp();
        using var delayCancel = CancellationTokenSource.CreateLinkedTokenSource(token);
        Task? delay = null;
        while (batch.Count < _maxBatchSize)
        {
            var remaining = _maxDelay - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            delay ??= Task.Delay(remaining, _time, delayCancel.Token);
            var more = reader.WaitToReadAsync(token).AsTask();
            if (await Task.WhenAny(more, delay) != more || !await more)
            {
                break;
            }

            Drain(reader, batch);
        }

        await delayCancel.CancelAsync();
        if (delay is not null)
        {
            await delay.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Drain(ChannelReader<Pending> reader, List<Pending> batch)
    {
        while (batch.Count < _maxBatchSize && reader.TryRead(out var pending))
        {
            // A miss whose job gave up (timed out) while queued is not sent.
            if (!pending.Completion.Task.IsCompleted)
            {
                batch.Add(pending);
            }
        }
    }

    private async Task SendAsync(List<Pending> batch)
    {
        // The other misses' links are built only while something traces: untraced, a send allocates nothing for spans.
        using var activity = CacheActivities.Source.HasListeners()
            ? CacheActivities.Source.StartActivity(
                CacheActivities.ModelBatch,
                ActivityKind.Internal,
                batch[0].Context,
                links: [.. batch.Skip(1).Where(p => p.Context != default).Select(p => new ActivityLink(p.Context))])
            : null;
        activity?.SetTag(CacheActivities.ModelTag, _model);
        activity?.SetTag(CacheActivities.BatchSizeTag, batch.Count);
        try
        {
            var texts = batch.ConvertAll(p => p.Text);
            var results = await _send(texts, _stopping.Token);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(results[i]);
            }
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            ModelServerLog.BatchFailed(_logger, _model, batch.Count, ex.Message);
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(ex);
            }
        }
        finally
        {
            foreach (var pending in batch)
            {
                pending.Registration.Dispose();
            }

            Interlocked.Decrement(ref _sending);
            _slots.Release();
        }
    }

    private sealed class Pending(string text, ActivityContext context)
    {
        public string Text { get; } = text;

        /// <summary>The span of the inference that queued this miss (default when nothing traces).</summary>
        public ActivityContext Context { get; } = context;

        public TaskCompletionSource<PredictionResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }
    }
}

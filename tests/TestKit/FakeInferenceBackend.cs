using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Models;

namespace PredictionCache.TestKit;

/// <summary>
/// A hand-written model: every call is counted, then awaits a gate the test opens (<see cref="Release"/>), then
/// answers <c>{"text": input}</c> (or what its <c>answer</c> function makes) or throws what <see cref="Failure"/> makes. It honours the cancellation token, as
/// a remote model client would.
/// </summary>
public sealed class FakeInferenceBackend : IInferenceBackend
{
    public static readonly ModelDescriptor Descriptor = new("fake", "1");

    /// <summary>How long a test waits for calls before it fails instead of hanging.</summary>
    public static readonly TimeSpan HangGuard = TestWait.HangGuard;

    private readonly object _lock = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _callWaiters = [];
    private readonly ConcurrentQueue<string> _inputs = new();
    private TaskCompletionSource _gate = NewGate();
    private int _calls;
    private int _running;
    private int _maxRunning;

    private readonly bool _yields;
    private readonly Func<string, string> _answer;

    /// <param name="gated">False: calls answer at once until <see cref="Hold"/>.</param>
    /// <param name="yields">True: every call completes asynchronously, on another thread, as a remote model's would.</param>
    /// <param name="name">The model's name (default <see cref="Descriptor"/>'s).</param>
    /// <param name="version">The model's version (default <see cref="Descriptor"/>'s).</param>
    /// <param name="answer">The JSON to answer for a normalized text; default <see cref="AnswerFor"/>.</param>
    public FakeInferenceBackend(
        bool gated = true, bool yields = false, string? name = null, string? version = null, Func<string, string>? answer = null)
    {
        _yields = yields;
        _answer = answer ?? AnswerFor;
        Model = name is null && version is null ? Descriptor : new ModelDescriptor(name ?? Descriptor.Name, version ?? Descriptor.Version);
        if (!gated)
        {
            _gate.SetResult();
        }
    }

    public ModelDescriptor Model { get; }

    /// <summary>Makes the exception each call throws once through the gate; null answers normally.</summary>
    public Func<Exception>? Failure { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public int Running => Volatile.Read(ref _running);

    public int MaxConcurrent => Volatile.Read(ref _maxRunning);

    public IReadOnlyCollection<string> Inputs => _inputs;

    /// <summary>The JSON the fake answers for <paramref name="normalizedText"/>.</summary>
    public static string AnswerFor(string normalizedText) => new JsonObject { ["text"] = normalizedText }.ToJsonString();

    /// <summary>Opens the gate: waiting calls and later ones go through.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _gate.TrySetResult();
        }
    }

    /// <summary>Closes the gate again for calls made from now on.</summary>
    public void Hold()
    {
        lock (_lock)
        {
            if (_gate.Task.IsCompleted)
            {
                _gate = NewGate();
            }
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> calls have reached the backend.</summary>
    public Task WaitForCallsAsync(int count)
    {
        lock (_lock)
        {
            if (_calls >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _callWaiters.Add((count, signal));
            return signal.Task.WaitAsync(HangGuard);
        }
    }

    public async Task<PredictionResult> InferAsync(string normalizedText, CancellationToken cancellationToken = default)
    {
        Task gate;
        List<TaskCompletionSource>? reached = null;
        lock (_lock)
        {
            _calls++;
            _running++;
            _maxRunning = Math.Max(_maxRunning, _running);
            gate = _gate.Task;
            for (var i = _callWaiters.Count - 1; i >= 0; i--)
            {
                if (_callWaiters[i].Count <= _calls)
                {
                    (reached ??= []).Add(_callWaiters[i].Signal);
                    _callWaiters.RemoveAt(i);
                }
            }
        }

        _inputs.Enqueue(normalizedText);
        reached?.ForEach(s => s.TrySetResult());
        try
        {
            await gate.WaitAsync(cancellationToken);
            if (_yields)
            {
                await Task.Yield();
            }

            if (Failure is { } failure)
            {
                throw failure();
            }

            return PredictionResult.FromJson(System.Text.Encoding.UTF8.GetBytes(_answer(normalizedText)));
        }
        finally
        {
            lock (_lock)
            {
                _running--;
            }
        }
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

using System.Collections.Concurrent;
using System.Text;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Models;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>
/// A hand-written model for tests: counts its inferences, records their inputs, and holds each one until the
/// test opens its gate (or answers at once when created open). Every answer is <see cref="ResultJson"/>.
/// </summary>
public sealed class FakeInferenceBackend : IInferenceBackend
{
    public const string ResultJson = """{"sentiment":"positive","confidence":0.75,"score":0.5}""";

    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstCall = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _inputs = new();
    private int _calls;

    public FakeInferenceBackend(bool open = false, string name = "sentiment", string version = "fake-1")
    {
        Model = new ModelDescriptor(name, version);
        if (open)
        {
            _gate.SetResult();
        }
    }

    public ModelDescriptor Model { get; }

    /// <summary>Inferences started.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The normalized texts inferred, in order.</summary>
    public IReadOnlyCollection<string> Inputs => _inputs;

    /// <summary>Completes when the first inference has started.</summary>
    public Task FirstCall => _firstCall.Task;

    /// <summary>Lets every held and future inference answer.</summary>
    public void Open() => _gate.TrySetResult();

    public async Task<PredictionResult> InferAsync(string normalizedText, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        _inputs.Enqueue(normalizedText);
        _firstCall.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
        return PredictionResult.FromJson(Encoding.UTF8.GetBytes(ResultJson));
    }
}

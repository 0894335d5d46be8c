using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Models;

namespace PredictionCache.Benchmarks.Hosting;

/// <summary>
/// An instant model: every call returns a new copy of one small fixed result (so, like a real model, each entry
/// owns its payload) and counts itself. With <see cref="Hold"/> set, calls wait until the gate opens, so a test
/// can make a burst of identical misses overlap one inference in flight.
/// </summary>
internal sealed class FakeInferenceBackend : IInferenceBackend
{
    /// <summary>The fake model; its name and version go into every key.</summary>
    public static readonly ModelDescriptor Descriptor = new("fake", "1");

    private static readonly byte[] ResultJson = """{"label":"positive","score":0.93}"""u8.ToArray();

    private long _calls;

    public ModelDescriptor Model => Descriptor;

    /// <summary>Inferences started so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>When set, inferences wait for it to complete before they answer.</summary>
    public Task? Hold { get; set; }

    /// <summary>The UTF-8 JSON every inference answers.</summary>
    public static ReadOnlySpan<byte> Json => ResultJson;

    public Task<PredictionResult> InferAsync(string normalizedText, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        return Hold is { IsCompleted: false } hold ? InferLaterAsync(hold, cancellationToken) : Task.FromResult(PredictionResult.FromJson(ResultJson));
    }

    private static async Task<PredictionResult> InferLaterAsync(Task hold, CancellationToken cancellationToken)
    {
        await hold.WaitAsync(cancellationToken);
        return PredictionResult.FromJson(ResultJson);
    }
}

namespace PredictionCache.Benchmarks.Memory;

/// <summary>The memory figure's yardstick: an Orleans activation that holds nothing of its own.</summary>
[Alias("predictioncache.bench.bare")]
public interface IBareGrain : IGrainWithStringKey
{
    /// <summary>Activates the grain; does nothing else.</summary>
    [Alias("ping")]
    Task PingAsync();
}

/// <summary>
/// A bare activation: no state, no timer, no fields. Never collected as idle, like the prediction grain, so N of them
/// stay alive while the heap is measured.
/// </summary>
[GrainType("predictioncache.bench.bare")]
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed class BareGrain : Grain, IBareGrain
{
    public Task PingAsync() => Task.CompletedTask;
}

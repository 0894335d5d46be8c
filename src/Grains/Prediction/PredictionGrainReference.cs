using PredictionCache.Silo;

namespace PredictionCache.Grains.Prediction;

/// <summary>The reference class of <see cref="IPredictionGrain"/> (what Orleans would generate).</summary>
internal sealed class PredictionGrainReference(GrainBinding binding) : GrainReference(binding), IPredictionGrain
{
    private static readonly GrainMethod TryGet = GrainMethod.Of<IPredictionGrain>(nameof(IPredictionGrain.TryGetAsync));
    private static readonly GrainMethod GetOrStart = GrainMethod.Of<IPredictionGrain>(nameof(IPredictionGrain.GetOrStartAsync));
    private static readonly GrainMethod Remove = GrainMethod.Of<IPredictionGrain>(nameof(IPredictionGrain.RemoveAsync));

    public ValueTask<CacheEntry?> TryGetAsync(CacheProbe probe) =>
        InvokeAsync<IPredictionGrain, CacheProbe, CacheEntry?>(TryGet, probe, static (grain, p) => grain.TryGetAsync(p));

    public Task<PredictionTicket> GetOrStartAsync(PredictionRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<IPredictionGrain, (PredictionRequest, CancellationToken), PredictionTicket>(
            GetOrStart, (request, cancellationToken), static (grain, a) => grain.GetOrStartAsync(a.Item1, a.Item2));

    public Task<bool> RemoveAsync(CancellationToken cancellationToken = default) =>
        InvokeAsync<IPredictionGrain, CancellationToken, bool>(Remove, cancellationToken, static (grain, ct) => grain.RemoveAsync(ct));
}

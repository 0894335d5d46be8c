using PredictionCache.Silo;

namespace PredictionCache.Grains.Directory;

/// <summary>The reference class of <see cref="ICacheDirectoryGrain"/> (what Orleans would generate).</summary>
internal sealed class CacheDirectoryGrainReference(GrainBinding binding) : GrainReference(binding), ICacheDirectoryGrain
{
    private static readonly GrainMethod Register = GrainMethod.Of<ICacheDirectoryGrain>(nameof(ICacheDirectoryGrain.RegisterAsync));
    private static readonly GrainMethod Unregister = GrainMethod.Of<ICacheDirectoryGrain>(nameof(ICacheDirectoryGrain.UnregisterAsync));
    private static readonly GrainMethod Flush = GrainMethod.Of<ICacheDirectoryGrain>(nameof(ICacheDirectoryGrain.FlushTouchesAsync));
    private static readonly GrainMethod Clear = GrainMethod.Of<ICacheDirectoryGrain>(nameof(ICacheDirectoryGrain.ClearAsync));
    private static readonly GrainMethod Count = GrainMethod.Of<ICacheDirectoryGrain>(nameof(ICacheDirectoryGrain.GetCountAsync));

    public Task RegisterAsync(string key, CancellationToken cancellationToken = default) =>
        InvokeAsync<ICacheDirectoryGrain, (string, CancellationToken)>(Register, (key, cancellationToken), static (g, a) => g.RegisterAsync(a.Item1, a.Item2));

    public Task UnregisterAsync(string key, CancellationToken cancellationToken = default) =>
        InvokeAsync<ICacheDirectoryGrain, (string, CancellationToken)>(Unregister, (key, cancellationToken), static (g, a) => g.UnregisterAsync(a.Item1, a.Item2));

    public Task FlushTouchesAsync() =>
        InvokeAsync<ICacheDirectoryGrain, bool>(Flush, false, static (g, _) => g.FlushTouchesAsync());

    public Task<IReadOnlyList<string>> ClearAsync() =>
        InvokeAsync<ICacheDirectoryGrain, bool, IReadOnlyList<string>>(Clear, false, static (g, _) => g.ClearAsync());

    public Task<int> GetCountAsync() =>
        InvokeAsync<ICacheDirectoryGrain, bool, int>(Count, false, static (g, _) => g.GetCountAsync());
}

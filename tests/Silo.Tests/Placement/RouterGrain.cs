using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Placement;

namespace PredictionCache.Silo.Tests.Placement;

/// <summary>A silo-bound grain of the tests: calls other grains from the silo its key names.</summary>
[Alias("predictioncache.test.router")]
public interface IRouterGrain : IGrainWithStringKey
{
    /// <summary>The silo this activation runs on.</summary>
    [Alias("where")]
    Task<SiloAddress> WhereAmIAsync();

    /// <summary>Calls the directory shard <paramref name="key"/> from this grain's silo (its first call, if nobody called it yet).</summary>
    [Alias("call-shard")]
    Task CallShardAsync(string key);
}

[SiloBoundPlacement]
[GrainType("predictioncache.test.router")]
internal sealed class RouterGrain : Grain, IRouterGrain
{
    public Task<SiloAddress> WhereAmIAsync() => Task.FromResult(GrainContext.Address.SiloAddress!);

    public Task CallShardAsync(string key) => GrainFactory.GetGrain<ICacheDirectoryGrain>(key).GetKeysAsync();
}

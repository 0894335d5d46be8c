using Orleans.TestingHost;
using PredictionCache.TestKit;
using PredictionCache.Grains.Directory;
using PredictionCache.Grains.Placement;
using PredictionCache.Silo.Placement;

namespace PredictionCache.Silo.Tests.Placement;

/// <summary>
/// <see cref="SiloBoundPlacementDirector"/> on a two-silo cluster: a grain keyed with a silo's address activates on
/// that silo whoever calls it first; a key naming a silo not in the cluster activates on the calling silo. The grains
/// are the real directory shards (<see cref="ICacheDirectoryGrain"/>, key <c>"{silo}/{index}"</c>).
/// </summary>
public sealed class SiloBoundPlacementDirectorTests : IAsyncLifetime
{
    // A well-formed address of no silo of the cluster (their ports are the in-memory transport's).
    private static readonly string UnknownSilo = SiloAddress.FromParsableString("127.0.0.1:1@1").ToParsableString();

    private CacheCluster _host = null!;

    private InProcessTestCluster Cluster => _host.Cluster;

    private SiloAddress SiloA => Cluster.Silos[0].SiloAddress;

    private SiloAddress SiloB => Cluster.Silos[1].SiloAddress;

    public async Task InitializeAsync()
    {
        // Shards 0 to 7 on every silo, whatever its core count: each test activates shards of its own index.
        var settings = TestClusters.Memory();
        settings["Cache:DirectoryShards"] = "8";
        _host = await TestClusters.StartAsync(2, settings);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task KeyOfSiloB_FirstCalledFromTheClient_ActivatesOnB()
    {
        // Arrange
        var shard = Cluster.Client.GetGrain<ICacheDirectoryGrain>(SiloBoundPlacement.KeyOf(SiloB, "1"));

        // Act
        await shard.GetKeysAsync();

        // Assert
        Assert.Equal(SiloB, SiloOf(shard));
    }

    [Fact]
    public async Task KeyOfSiloB_FirstCalledFromSiloA_ActivatesOnB()
    {
        // Arrange
        var routerA = await RouterOnAsync(SiloA);
        var key = SiloBoundPlacement.KeyOf(SiloB, "2");

        // Act
        await routerA.CallShardAsync(key);

        // Assert
        Assert.Equal(SiloB, SiloOf(Cluster.Client.GetGrain<ICacheDirectoryGrain>(key)));
    }

    [Fact]
    public async Task KeyOfSiloA_FirstCalledFromSiloB_ActivatesOnA()
    {
        // Arrange
        var routerB = await RouterOnAsync(SiloB);
        var key = SiloBoundPlacement.KeyOf(SiloA, "3");

        // Act
        await routerB.CallShardAsync(key);

        // Assert
        Assert.Equal(SiloA, SiloOf(Cluster.Client.GetGrain<ICacheDirectoryGrain>(key)));
    }

    [Fact]
    public async Task KeyNamingAnUnknownSilo_ActivatesOnTheCallingSilo()
    {
        // Arrange
        var routerA = await RouterOnAsync(SiloA);
        var routerB = await RouterOnAsync(SiloB);
        var fromA = UnknownSilo + SiloBoundPlacement.Separator + "4";
        var fromB = UnknownSilo + SiloBoundPlacement.Separator + "5";

        // Act
        await routerA.CallShardAsync(fromA);
        await routerB.CallShardAsync(fromB);

        // Assert
        Assert.Equal(SiloA, SiloOf(Cluster.Client.GetGrain<ICacheDirectoryGrain>(fromA)));
        Assert.Equal(SiloB, SiloOf(Cluster.Client.GetGrain<ICacheDirectoryGrain>(fromB)));
    }

    [Fact]
    public async Task KeyWithoutASilo_ActivatesOnTheCallingSilo()
    {
        // Arrange
        var routerB = await RouterOnAsync(SiloB);

        // Act: "6" has no separator, so it names no silo.
        await routerB.CallShardAsync("6");

        // Assert
        Assert.Equal(SiloB, SiloOf(Cluster.Client.GetGrain<ICacheDirectoryGrain>("6")));
    }

    /// <summary>A router keyed with <paramref name="silo"/>'s address, checked to run there.</summary>
    private async Task<IRouterGrain> RouterOnAsync(SiloAddress silo)
    {
        var router = Cluster.Client.GetGrain<IRouterGrain>(SiloBoundPlacement.KeyOf(silo, "router"));
        Assert.Equal(silo, await router.WhereAmIAsync());
        return router;
    }

    private SiloAddress SiloOf(IGrain grain)
    {
        Assert.True(Cluster.TryGetGrainContext(grain.GetGrainId(), out var context), $"{grain.GetGrainId()} has no activation.");
        return context.Address.SiloAddress!;
    }
}

using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.Grains.Models;
using PredictionCache.Grains.Prediction;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests;

/// <summary>How long entries live: TTL on the test clock, and LRU eviction over <c>Cache:MaxEntries</c>.</summary>
public sealed class CacheLifetimeTests
{
    private static readonly Dictionary<string, string?> TenSecondTtl = new() { ["Cache:TtlSeconds"] = "10" };

    private static readonly Dictionary<string, string?> TwoEntries = new() { ["Cache:MaxEntries"] = "2", ["Cache:DirectoryShards"] = "1" };

    [Fact]
    public async Task Predict_EntryJustUnderTtl_IsHit()
    {
        var clock = new TestClock();
        await using var factory = new GatewayFactory(TenSecondTtl, clock, GatewayFakes.Model(open: true));
        using var client = factory.CreateClient();
        await factory.StoreAsync(client, "short lived");
        clock.Advance(TimeSpan.FromSeconds(9.95));

        using var response = await client.PredictAsync("short lived");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("9", response.Header("Age"));
        Assert.Equal(0, (await client.GetStatsAsync()).GetProperty("expirations").GetInt64());
    }

    [Fact]
    public async Task Predict_EntryAgeEqualsTtl_IsMissAndCountsExpiration()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(TenSecondTtl, clock, backend);
        using var client = factory.CreateClient();
        var firstJob = await factory.StoreAsync(client, "short lived");

        clock.Advance(TimeSpan.FromSeconds(10));
        await client.WaitForStatsAsync("expirations", 1);
        using var response = await client.PredictAsync("short lived");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("MISS", response.Header("X-Cache"));
        var secondJob = (await response.ReadJsonAsync()).GetProperty("job_id").GetGuid();
        Assert.NotEqual(firstJob, secondJob);
        Assert.Equal(1, (await client.GetStatsAsync()).GetProperty("expirations").GetInt64());
        await backend.WaitForCallsAsync(2); // a 202 answers before its inference reaches the model
        Assert.Equal(2, backend.Calls);
    }

    [Fact]
    public async Task Predict_AfterExpiry_NewResultIsCachedAgain()
    {
        var clock = new TestClock();
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(TenSecondTtl, clock, backend);
        using var client = factory.CreateClient();
        await factory.StoreAsync(client, "comes back");
        clock.Advance(TimeSpan.FromSeconds(10));
        await client.WaitForStatsAsync("expirations", 1);

        var secondJob = await factory.StoreAsync(client, "comes back");
        using var hit = await client.PredictAsync("comes back");

        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal(secondJob, (await hit.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        var stats = await client.GetStatsAsync();
        Assert.Equal(1, stats.GetProperty("size").GetInt64());
        Assert.Equal(1, stats.GetProperty("expirations").GetInt64());
        Assert.Equal(2, backend.Calls);
    }

    [Fact]
    public async Task TtlTimer_WithoutAnyRequest_RemovesTheEntry()
    {
        var clock = new TestClock();
        await using var factory = new GatewayFactory(TenSecondTtl, clock, GatewayFakes.Model(open: true));
        using var client = factory.CreateClient();
        using var stored = await client.PredictAsync("timer");
        var key = stored.Header("X-Cache-Key");
        await factory.WaitForJobAsync((await stored.ReadJsonAsync()).GetProperty("job_id").GetGuid());

        clock.Advance(TimeSpan.FromSeconds(10));

        // The tick is a turn Orleans schedules on the grain after Advance returns: wait for what it counts.
        await client.WaitForStatsAsync("expirations", 1);

        // The delete is a turn of the entry's grain, so it runs after the tick's turn: nothing is left to delete.
        using var delete = await client.DeleteAsync(new Uri($"/cache/entries/{key}", UriKind.Relative));
        await delete.AssertProblemAsync(HttpStatusCode.NotFound);
        var stats = await client.GetStatsAsync();
        Assert.Equal(1, stats.GetProperty("expirations").GetInt64());
        Assert.Equal(0, stats.GetProperty("size").GetInt64());
        Assert.Equal(0, stats.GetProperty("stored_entries").GetInt64());
    }

    [Fact]
    public async Task Predict_ThirdEntryOverMaxEntriesTwo_EvictsTheOldestFromMemoryNotFromStorage()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(TwoEntries, backends: backend);
        using var client = factory.CreateClient();
        await StoreWithKeyAsync(factory, client, "entry a");
        await StoreWithKeyAsync(factory, client, "entry b");
        await StoreWithKeyAsync(factory, client, "entry c");
        await AwaitEvictionAsync(factory, "entry a");

        var stats = await client.GetStatsAsync();
        using var evicted = await client.PredictAsync("entry a");
        var after = await client.GetStatsAsync();

        // Evicted from memory (level 1), the entry comes back from storage (level 2) without inference.
        Assert.Equal(2, stats.GetProperty("size").GetInt64());
        Assert.Equal(1, stats.GetProperty("evictions").GetInt64());
        Assert.Equal(3, stats.GetProperty("stored_entries").GetInt64());
        Assert.Equal(HttpStatusCode.OK, evicted.StatusCode);
        Assert.Equal("HIT", evicted.Header("X-Cache"));
        Assert.Equal(1, after.GetProperty("hits_l2").GetInt64());
        Assert.Equal(3, backend.Calls);
    }

    [Fact]
    public async Task Predict_OverMaxEntries_EvictsLeastRecentlyUsedNotFirstStored()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(TwoEntries, backends: backend);
        using var client = factory.CreateClient();
        await StoreWithKeyAsync(factory, client, "entry a");
        await StoreWithKeyAsync(factory, client, "entry b");
        using (var touch = await client.PredictAsync("entry a"))
        {
            Assert.Equal(HttpStatusCode.OK, touch.StatusCode);
        }

        await StoreWithKeyAsync(factory, client, "entry c");
        await AwaitEvictionAsync(factory, "entry b");

        var stats = await client.GetStatsAsync();
        using var a = await client.PredictAsync("entry a");
        using var c = await client.PredictAsync("entry c");
        var beforeB = await client.GetStatsAsync();
        using var evicted = await client.PredictAsync("entry b");
        var afterB = await client.GetStatsAsync();

        Assert.Equal(2, stats.GetProperty("size").GetInt64());
        Assert.Equal(1, stats.GetProperty("evictions").GetInt64());
        Assert.Equal(3, stats.GetProperty("misses").GetInt64());
        Assert.Equal("HIT", a.Header("X-Cache"));
        Assert.Equal("HIT", c.Header("X-Cache"));
        Assert.Equal((3L, 0L), (beforeB.GetProperty("hits_l1").GetInt64(), beforeB.GetProperty("hits_l2").GetInt64()));
        Assert.Equal(1, afterB.GetProperty("hits_l2").GetInt64());
        Assert.Equal(HttpStatusCode.OK, evicted.StatusCode);
        Assert.Equal("HIT", evicted.Header("X-Cache"));
        Assert.Equal(3, backend.Calls);
    }

    private static async Task<string> StoreWithKeyAsync(GatewayFactory factory, HttpClient client, string text)
    {
        using var response = await client.PredictAsync(text);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await factory.WaitForJobAsync((await response.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        return response.Header("X-Cache-Key");
    }

    /// <summary>
    /// The directory tells an evicted grain to go with a one-way call (by design: a directory turn never waits on a
    /// prediction grain), so the eviction is done once the victim has withdrawn its published entry; a request after
    /// that reaches the grain, which comes back from storage once the old activation is gone.
    /// </summary>
    private static Task AwaitEvictionAsync(GatewayFactory factory, string text)
    {
        var published = factory.Services.GetRequiredService<SiloLocalEntries>();
        var model = factory.Services.GetRequiredService<ModelCatalog>().Default.Name;
        return GatewayHttp.WaitUntilAsync(() => Task.FromResult(!published.TryGet("", model, text, out _)), $"the evicted entry '{text}' to be withdrawn");
    }
}

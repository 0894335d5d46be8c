using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests;

/// <summary><c>GET /cache/stats</c>, <c>DELETE /cache</c>, <c>DELETE /cache/entries/{key}</c>.</summary>
public sealed class CacheEndpointsTests
{
    private static readonly Dictionary<string, string?> KnownSizes = new()
    {
        ["Cache:MaxEntries"] = "100",
        ["Cache:TtlSeconds"] = "600",
        ["Cache:DirectoryShards"] = "1",
    };

    [Fact]
    public async Task GetStats_NewGateway_HasExactlyTheContractFieldsAllZero()
    {
        await using var factory = new GatewayFactory(KnownSizes);
        using var client = factory.CreateClient();

        var stats = await client.GetStatsAsync();

        Assert.Equal(GatewayHttp.StatsFields.Order(StringComparer.Ordinal), stats.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(0, stats.GetProperty("size").GetInt64());
        Assert.Equal(100, stats.GetProperty("max_size").GetInt64());
        Assert.Equal(600, stats.GetProperty("ttl_seconds").GetInt64());
        Assert.Equal(0, stats.GetProperty("hits").GetInt64());
        Assert.Equal(0, stats.GetProperty("misses").GetInt64());
        Assert.Equal(0.0, stats.GetProperty("hit_ratio").GetDouble());
        Assert.Equal(0, stats.GetProperty("activations").GetInt64());
    }

    [Fact]
    public async Task GetStats_AfterKnownSequence_HasExactValues()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(KnownSizes, backends: backend);
        using var client = factory.CreateClient();
        await factory.StoreAsync(client, "first");
        (await client.PredictAsync("first")).Dispose();
        await factory.StoreAsync(client, "second");
        (await client.PredictAsync("second")).Dispose();
        (await client.PredictAsync("  SECOND ")).Dispose();

        var stats = await client.GetStatsAsync();

        Assert.Equal(GatewayHttp.StatsFields.Order(StringComparer.Ordinal), stats.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(2, stats.GetProperty("size").GetInt64());
        Assert.Equal(100, stats.GetProperty("max_size").GetInt64());
        Assert.Equal(600, stats.GetProperty("ttl_seconds").GetInt64());
        Assert.Equal(3, stats.GetProperty("hits").GetInt64());
        Assert.Equal(3, stats.GetProperty("hits_l1").GetInt64());
        Assert.Equal(0, stats.GetProperty("hits_l2").GetInt64());
        Assert.Equal(2, stats.GetProperty("stored_entries").GetInt64());
        Assert.Equal(2, stats.GetProperty("misses").GetInt64());
        Assert.Equal(0.6, stats.GetProperty("hit_ratio").GetDouble());
        Assert.True(stats.GetProperty("memory_mb").GetDouble() > 0);
        Assert.Equal(0, stats.GetProperty("evictions").GetInt64());
        Assert.Equal(0, stats.GetProperty("expirations").GetInt64());
        Assert.Equal(0, stats.GetProperty("coalesced").GetInt64());
        Assert.Equal(2, stats.GetProperty("inferences").GetInt64());
        Assert.Equal(0, stats.GetProperty("inflight").GetInt64());
        Assert.Equal(3, stats.GetProperty("activations").GetInt64()); // two entries and the directory shard
    }

    [Fact]
    public async Task ClearCache_AfterEntries_ResetsCountersAndEverythingMisses()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(KnownSizes, backends: backend);
        using var client = factory.CreateClient();
        await factory.StoreAsync(client, "one");
        await factory.StoreAsync(client, "two");
        (await client.PredictAsync("one")).Dispose();

        using var response = await client.DeleteAsync(new Uri("/cache", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal(["message", "stats"], body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("message").GetString()));
        var stats = body.GetProperty("stats");
        Assert.Equal(GatewayHttp.StatsFields.Order(StringComparer.Ordinal), stats.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var counter in new[] { "size", "hits", "hits_l1", "hits_l2", "stored_entries", "misses", "evictions", "expirations", "coalesced", "inferences", "inflight" })
        {
            Assert.True(stats.GetProperty(counter).GetInt64() == 0, $"{counter} is {stats.GetProperty(counter)} after clearing.");
        }

        Assert.Equal(0.0, stats.GetProperty("hit_ratio").GetDouble());

        // The cleared grains deactivate after the clear has answered: only the directory shard is left.
        await client.WaitForStatsAsync("activations", 1);
        using var one = await client.PredictAsync("one");
        using var two = await client.PredictAsync("two");
        Assert.Equal("MISS", one.Header("X-Cache"));
        Assert.Equal("MISS", two.Header("X-Cache"));

        // A 202 answers before its inference has reached the model.
        await backend.WaitForCallsAsync(4);
        Assert.Equal(4, backend.Calls);
    }

    [Fact]
    public async Task ClearCache_Empty_Is200()
    {
        await using var factory = new GatewayFactory(KnownSizes);
        using var client = factory.CreateClient();

        using var response = await client.DeleteAsync(new Uri("/cache", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, (await response.ReadJsonAsync()).GetProperty("stats").GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task DeleteEntry_Present_Is204ThenMissThen404()
    {
        var backend = GatewayFakes.Model(open: true);
        await using var factory = new GatewayFactory(KnownSizes, backends: backend);
        using var client = factory.CreateClient();
        using var stored = await client.PredictAsync("delete me");
        var key = stored.Header("X-Cache-Key");
        await factory.WaitForJobAsync((await stored.ReadJsonAsync()).GetProperty("job_id").GetGuid());
        await factory.StoreAsync(client, "keep me");

        using var deleted = await client.DeleteAsync(new Uri($"/cache/entries/{key}", UriKind.Relative));
        using var again = await client.DeleteAsync(new Uri($"/cache/entries/{key}", UriKind.Relative));
        var stats = await client.GetStatsAsync();
        using var miss = await client.PredictAsync("delete me");
        using var kept = await client.PredictAsync("keep me");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await deleted.Content.ReadAsByteArrayAsync());
        await again.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(1, stats.GetProperty("size").GetInt64());
        Assert.Equal(HttpStatusCode.Accepted, miss.StatusCode);
        Assert.Equal(key, miss.Header("X-Cache-Key"));
        Assert.Equal("HIT", kept.Header("X-Cache"));
    }

    [Fact]
    public async Task DeleteEntry_WellFormedButUnknown_Is404Problem()
    {
        await using var factory = new GatewayFactory(KnownSizes);
        using var client = factory.CreateClient();

        using var response = await client.DeleteAsync(new Uri($"/cache/entries/{new string('a', 64)}", UriKind.Relative));

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("abc123")]
    [InlineData("ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD")]
    [InlineData("gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task DeleteEntry_MalformedKey_Is404Problem(string key)
    {
        await using var factory = new GatewayFactory(KnownSizes);
        using var client = factory.CreateClient();

        using var response = await client.DeleteAsync(new Uri($"/cache/entries/{key}", UriKind.Relative));

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, (await client.GetStatsAsync()).GetProperty("activations").GetInt64());
    }
}

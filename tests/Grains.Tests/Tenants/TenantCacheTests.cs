using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Tenants;

/// <summary>Tenants inside the cache: their own keys, entries, clears, counters, limits and share of memory.</summary>
public sealed class TenantCacheTests
{
    [Fact]
    public async Task Predict_SameTextForTwoTenants_InfersForEachUnderItsOwnKey()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));

        // Act
        var acme = await host.InsertAsync("a fine film", "acme");
        var globex = await host.InsertAsync("a fine film", "globex");
        var acmeHit = await host.PredictAsync("a fine film", tenant: "acme");
        var noTenant = await host.PredictAsync("a fine film");

        // Assert
        Assert.Equal(host.KeyOf("a fine film", "acme"), acme.Key);
        Assert.Equal(host.KeyOf("a fine film", "globex"), globex.Key);
        Assert.NotEqual(acme.Key, globex.Key);
        Assert.Equal(("acme", "globex"), (acme.Tenant, globex.Tenant));
        Assert.Equal((PredictionStatus.Hit, acme.Id, "acme"), (acmeHit.Status, acmeHit.JobId, acmeHit.Entry!.Tenant));
        Assert.Equal(PredictionStatus.Started, noTenant.Status);
        Assert.Equal(3, host.Backend!.Calls);
        Assert.True(host.Primary.TryGetPublished("a fine film", out var published, "globex"));
        Assert.Equal(globex.Id, published.Entry.JobId);
    }

    [Fact]
    public async Task RemoveEntry_AnotherTenantsKey_IsNotFoundAndKeepsTheEntry()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));
        var job = await host.InsertAsync("text", "acme");

        // Act
        var byGlobex = await host.Predictions.RemoveEntryAsync(job.Key, "globex");
        var byNoTenant = await host.Predictions.RemoveEntryAsync(job.Key, "");
        var stillHit = (await host.PredictAsync("text", tenant: "acme")).Status;
        var byAcme = await host.Predictions.RemoveEntryAsync(job.Key, "acme");

        // Assert
        Assert.Equal((false, false, PredictionStatus.Hit, true), (byGlobex, byNoTenant, stillHit, byAcme));
        Assert.False(await host.StorageHoldsAsync(job.Key));
    }

    [Fact]
    public async Task Clear_OfOneTenant_RemovesItsEntriesOnlyAndItsInferenceInFlightDoesNotStore()
    {
        // Arrange: both tenants have an entry, and each has an inference in flight.
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false), ("Cache:DirectoryShards", "2"));
        var acme = await host.InsertAsync("kept?", "acme");
        var globex = await host.InsertAsync("kept?", "globex");
        host.Backend!.Hold();
        var acmeInflight = await host.PredictAsync("inflight", tenant: "acme");
        var globexInflight = await host.PredictAsync("inflight", tenant: "globex");
        await host.Backend.WaitForCallsAsync(4);

        // Act
        var stats = await TestWait.ForAsync(host.Predictions.ClearAsync("acme"), "the tenant's clear");
        host.Backend.Release();
        await host.WaitForJobAsync(acmeInflight.JobId);
        await host.WaitForJobAsync(globexInflight.JobId);

        // Assert: acme's entries are gone from memory and storage, its in-flight answer was not kept; globex's are all kept.
        Assert.Equal("acme", stats.Tenant);
        Assert.Equal(0, stats.Size);
        Assert.False(await host.StorageHoldsAsync(acme.Key));
        Assert.True(await host.StorageHoldsAsync(globex.Key));
        var onlyIfCached = new CacheDirectives(OnlyIfCached: true);
        Assert.Equal(PredictionStatus.NotCached, (await host.PredictAsync("kept?", onlyIfCached, "acme")).Status);
        Assert.Equal(PredictionStatus.NotCached, (await host.PredictAsync("inflight", onlyIfCached, "acme")).Status);
        Assert.Equal(PredictionStatus.Hit, (await host.PredictAsync("kept?", onlyIfCached, "globex")).Status);
        Assert.Equal(PredictionStatus.Hit, (await host.PredictAsync("inflight", onlyIfCached, "globex")).Status);
    }

    [Fact]
    public async Task Stats_OfATenant_CountItsOwnRequestsAndEntriesOnly()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: false));
        await host.InsertAsync("one", "acme");
        await host.InsertAsync("two", "acme");
        await host.PredictAsync("one", tenant: "acme");
        await host.InsertAsync("one", "globex");
        await host.InsertAsync("no tenant");

        // Act
        var acme = await host.Predictions.GetStatsAsync("acme");
        var globex = await host.Predictions.GetStatsAsync("globex");
        var all = await host.Predictions.GetStatsAsync();

        // Assert
        Assert.Equal(("acme", 2L, 1L, 2L, 2L, 2L), (acme.Tenant, acme.Size, acme.Hits, acme.Misses, acme.Inferences, acme.StoredEntries));
        Assert.Equal(("globex", 1L, 0L, 1L, 1L), (globex.Tenant, globex.Size, globex.Hits, globex.Misses, globex.StoredEntries));
        Assert.Equal((null, 4L, 1L, 4L, 4L), (all.Tenant, all.Size, all.Hits, all.Misses, all.StoredEntries));
    }

    [Fact]
    public async Task Predict_TenantAtItsInflightLimit_IsRefusedAndOtherTenantsAreNot()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: true), ("Tenants:MaxInflight", "2"));
        var first = await host.PredictAsync("1", tenant: "acme");
        var second = await host.PredictAsync("2", tenant: "acme");

        // Act
        var third = await host.PredictAsync("3", tenant: "acme");
        var joined = await host.PredictAsync("1", tenant: "acme");
        var other = await host.PredictAsync("3", tenant: "globex");
        host.Backend!.Release();
        await host.WaitForJobAsync(first.JobId);
        await host.WaitForJobAsync(second.JobId);
        await host.WaitForJobAsync(other.JobId);
        var afterwards = await host.PredictAsync("3", tenant: "acme");

        // Assert: a join takes no slot; once acme's inferences end it may start again.
        Assert.Equal((PredictionStatus.Started, PredictionStatus.Started), (first.Status, second.Status));
        Assert.Equal((PredictionStatus.TenantOverloaded, Guid.Empty), (third.Status, third.JobId));
        Assert.Equal((PredictionStatus.Joined, first.JobId), (joined.Status, joined.JobId));
        Assert.Equal(PredictionStatus.Started, other.Status);
        Assert.Equal(PredictionStatus.Started, afterwards.Status);
        Assert.Equal(JobStatus.Completed, (await host.WaitForJobAsync(afterwards.JobId)).Status);
        Assert.Equal(0, host.Primary.Tenants.Of("acme")!.Statistics.Inflight);
    }

    [Fact]
    public async Task Predict_ManyTenantsConcurrently_EachTenantInfersEachTextOnce()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(new FakeInferenceBackend(gated: true), ("Tenants:MaxInflight", "1000"));
        string[] tenants = ["acme", "globex", "initech"];
        var texts = Enumerable.Range(0, 20).Select(i => $"text {i}").ToArray();
        var requests = (from tenant in tenants from text in texts from copy in Enumerable.Range(0, 10) select (tenant, text)).ToArray();

        // Act
        var outcomes = await Task.WhenAll(requests.Select(r => Task.Run(() => host.PredictAsync(r.text, tenant: r.tenant))));
        host.Backend!.Release();
        var jobs = await Task.WhenAll(outcomes.Select(o => o.JobId).Distinct().Select(host.WaitForJobAsync));

        // Assert
        Assert.Equal(60, host.Backend.Calls);
        Assert.Equal(60, jobs.Length);
        Assert.All(jobs, job => Assert.Equal(JobStatus.Completed, job.Status));
        foreach (var tenant in tenants)
        {
            var counters = host.Primary.Tenants.Of(tenant)!.Statistics;
            Assert.Equal((20L, 180L, 20L, 0L), (counters.Misses, counters.Coalesced, counters.Inferences, counters.Inflight));
            Assert.Equal(20, jobs.Count(j => j.Tenant == tenant));
        }
    }

    [Fact]
    public async Task Register_OneTenantFloods_ItEvictsItsOwnEntriesFirst()
    {
        // Arrange: room for 4; globex has one entry, the coldest of all.
        await using var host = await CacheCluster.StartAsync(
            new FakeInferenceBackend(gated: false), ("Cache:MaxEntries", "4"), ("Cache:DirectoryShards", "1"));
        await host.InsertAsync("quiet", "globex");

        // Act
        foreach (var i in Enumerable.Range(0, 6))
        {
            await host.InsertAsync($"flood {i}", "acme");
        }

        await host.WaitForPredictionDeactivationsAsync(3);

        // Assert
        Assert.True(host.Primary.IsPublished("quiet", "globex"));
        Assert.Equal(
            [.. new[] { "flood 5", "flood 4", "flood 3" }.Select(t => host.KeyOf(t, "acme")), host.KeyOf("quiet", "globex")],
            await host.Primary.Shard(0).GetKeysAsync());
        Assert.Equal((3L, 3L), (host.Primary.Tenants.Of("acme")!.Statistics.Size, host.Primary.Tenants.Of("acme")!.Statistics.Evictions));
        Assert.Equal((1L, 0L), (host.Primary.Tenants.Of("globex")!.Statistics.Size, host.Primary.Tenants.Of("globex")!.Statistics.Evictions));
    }

    [Fact]
    public async Task Register_TenantBeyondItsOwnShare_EvictsItsOwnColdestWithRoomToSpare()
    {
        // Arrange
        await using var host = await CacheCluster.StartAsync(
            new FakeInferenceBackend(gated: false),
            ("Cache:MaxEntries", "100"),
            ("Cache:DirectoryShards", "1"),
            ("Tenants:Limits:0:Name", "acme"),
            ("Tenants:Limits:0:MaxEntries", "2"));

        // Act
        foreach (var i in Enumerable.Range(0, 4))
        {
            await host.InsertAsync($"text {i}", "acme");
            await host.InsertAsync($"text {i}", "globex");
        }

        await host.WaitForPredictionDeactivationsAsync(2);

        // Assert
        Assert.Equal(2, host.Primary.Tenants.Of("acme")!.Statistics.Size);
        Assert.Equal(4, host.Primary.Tenants.Of("globex")!.Statistics.Size);
        Assert.Equal(["text 3", "text 2"], new[] { "text 0", "text 1", "text 2", "text 3" }.Where(t => host.Primary.IsPublished(t, "acme")).Reverse());
    }
}

using System.Text.Json;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.TestKit;
using StackExchange.Redis;

namespace PredictionCache.Silo.Tests.Cluster;

/// <summary>
/// Three silos as production nodes run them: Orleans' Redis membership and grain directory on a throwaway Redis
/// (<see cref="PredictionCacheSiloBuilderExtensions.UseConfiguredClustering(ISiloBuilder, Microsoft.Extensions.Configuration.IConfiguration)"/>),
/// one PostgreSQL database shared as level 2 and job store. A key has one activation cluster-wide, registered in Redis;
/// a killed silo's keys come back from level 2 on a survivor and its jobs are settled; a clear and the stats span every
/// silo. Each test starts its own Redis, database (<see cref="InitializeAsync"/>) and cluster.
/// </summary>
public sealed class RedisClusterTests : IAsyncLifetime
{
    private const string PredictionGrainType = PredictionCacheSiloBuilderExtensions.PredictionGrainType;

    private RedisServer? _redis;
    private TestDatabase? _database;

    private RedisServer Redis => _redis ?? throw new InvalidOperationException("Redis was not started.");

    private TestDatabase Database => _database ?? throw new InvalidOperationException("The database was not created.");

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _database = await TestDatabase.CreateAsync(TestDatabase.Postgres);
    }

    /// <summary>After the test, whose cluster (<c>await using</c>) has stopped by then.</summary>
    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task Predict_KeyActiveOnSiloOne_IsAHitThroughSiloTwo_RegisteredInRedis()
    {
        // Arrange: x's grain lives on silo 1 (placed there by the request through it).
        var backend = new FakeInferenceBackend(gated: false);
        await using var host = await StartAsync(backend);
        var (one, two, three) = (host.Silos[0], host.Silos[1], host.Silos[2]);
        var job = await one.InsertAsync("x");

        // Act
        var hit = await two.PredictAsync("x");

        // Assert: silo 2 published nothing, so the hit came from silo 1's activation; one inference in all; Redis holds
        // the membership table, the three silos active in it, and the key's one registration, naming silo 1.
        Assert.Equal((PredictionStatus.Hit, job.Id), (hit.Status, hit.JobId));
        Assert.Equal(FakeInferenceBackend.AnswerFor("x"), hit.Entry!.Result!.ToString());
        Assert.Equal((true, false, false), (one.IsActive("x"), two.IsActive("x"), three.IsActive("x")));
        Assert.False(two.IsPublished("x"));
        Assert.Equal(1, backend.Calls);
        Assert.Equal((1L, 1L), (one.Statistics.Hits, one.Statistics.Misses));
        Assert.Equal((0L, 0L), (two.Statistics.Hits, two.Statistics.Misses));
        Assert.Equal(
            host.Silos.Select(static s => (s.Address.ToString(), SiloStatus.Active)).Order(),
            (await MembersInRedisAsync(host)).Order());
        Assert.Equal([(one.KeyOf("x"), one.Address)], await RegisteredPredictionGrainsAsync(host));
    }

    [Fact]
    public async Task Kill_SiloHoldingAKey_ThenTheKeyIsALevel2HitOnASurvivor()
    {
        // Arrange: x inferred and stored through silo 1, its grain there.
        var backend = new FakeInferenceBackend(gated: false);
        await using var host = await StartAsync(backend);
        var (one, two) = (host.Silos[0], host.Silos[1]);
        var job = await one.InsertAsync("x");
        var key = one.KeyOf("x");
        var dead = one.Address;
        var storedBefore = await two.StorageHoldsAsync(key);

        // Act
        await host.KillAsync(one);
        await two.WaitForStatusAsync(dead, SiloStatus.Dead);
        var hit = await two.PredictAsync("x");

        // Assert: the entry came back from PostgreSQL into an activation on silo 2, no second inference; Redis's
        // directory now names silo 2.
        Assert.True(storedBefore);
        Assert.Equal((PredictionStatus.Hit, job.Id), (hit.Status, hit.JobId));
        Assert.Equal(FakeInferenceBackend.AnswerFor("x"), hit.Entry!.Result!.ToString());
        Assert.Equal(1, backend.Calls);
        Assert.True(two.IsActive("x"));
        Assert.Equal((1L, 1L, 0L), (two.Statistics.Hits, two.Statistics.StorageHits, two.Statistics.Misses));
        Assert.Equal([(key, two.Address)], await RegisteredPredictionGrainsAsync(host));
    }

    [Fact]
    public async Task Predict_ConcurrentIdenticalMissesThroughEverySilo_OneInferenceOneJob()
    {
        // Arrange: the model holds its one answer until every caller has its outcome.
        const int callers = 300;
        var backend = new FakeInferenceBackend();
        await using var host = await StartAsync(backend);

        // Act: the callers come through the three silos in turn, each asking to place the grain on its own silo.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, callers).Select(i => Task.Run(() => host.Silos[i % 3].PredictAsync("same text"))));
        await TestWait.ForAsync(backend.WaitForCallsAsync(1), "the inference");
        var callsWhileHeld = backend.Calls;
        backend.Release();
        var jobId = outcomes[0].JobId;
        var owner = host.Silos.Single(s => s.IsActive("same text"));
        var job = await owner.WaitForJobAsync(jobId);
        var jobs = await host.Silos[2].Jobs.CountByStatusAsync();
        var hits = await Task.WhenAll(host.Silos.Select(s => s.PredictAsync("same text")));

        // Assert: one job in the shared store, every caller on it.
        Assert.Equal(1, callsWhileHeld);
        Assert.Single(outcomes, o => o.Status == PredictionStatus.Started);
        Assert.Equal(callers - 1, outcomes.Count(o => o.Status == PredictionStatus.Joined));
        Assert.All(outcomes, o => Assert.Equal(jobId, o.JobId));
        Assert.Equal(new JobStatusCounts(0, 1, 0), jobs);
        Assert.Equal((1L, callers - 1L), (owner.Statistics.Misses, owner.Statistics.Coalesced));
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.All(hits, h => Assert.Equal((PredictionStatus.Hit, jobId), (h.Status, h.JobId)));
        Assert.Equal(1, backend.Calls);
    }

    [Fact]
    public async Task Remove_ThroughSiloTwo_WithdrawsSiloOnesPublishedEntry()
    {
        // Arrange: x inferred through silo 1, published there.
        var backend = new FakeInferenceBackend(gated: false);
        await using var host = await StartAsync(backend);
        var (one, two) = (host.Silos[0], host.Silos[1]);
        await one.InsertAsync("x");
        var key = one.KeyOf("x");
        var publishedBefore = one.IsPublished("x");

        // Act
        var removed = await two.Predictions.RemoveEntryAsync(key);
        var publishedAfter = one.IsPublished("x");

        // Assert: the removal went to the key's one activation on silo 1, which withdrew its published entry; no silo
        // serves x afterwards and storage holds no row.
        Assert.Equal((true, true, false), (publishedBefore, removed, publishedAfter));
        Assert.False(await two.StorageHoldsAsync(key));
        foreach (var silo in host.Silos)
        {
            Assert.Equal(PredictionStatus.NotCached, (await silo.PredictAsync("x", new CacheDirectives(OnlyIfCached: true))).Status);
        }

        Assert.Equal(1, backend.Calls);
    }

    [Fact]
    public async Task Clear_ThroughSiloTwo_WhileSiloOneInfers_NeverServesThePreClearAnswer()
    {
        // Arrange: y's inference in flight on silo 1.
        var backend = new FakeInferenceBackend(gated: false);
        await using var host = await StartAsync(backend);
        var (one, two) = (host.Silos[0], host.Silos[1]);
        backend.Hold();
        var started = await one.PredictAsync("y");
        await backend.WaitForCallsAsync(1);

        // Act: the clear runs on every silo while the inference waits; then the inference ends.
        await TestWait.ForAsync(two.Predictions.ClearAsync(), "the clear");
        backend.Release();
        var job = await one.WaitForJobAsync(started.JobId);

        // Assert: the job still gets its answer, but nothing answered before the clear is cached on any silo or stored.
        Assert.Equal(PredictionStatus.Started, started.Status);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.False(one.IsPublished("y"));
        Assert.False(await two.StorageHoldsAsync(one.KeyOf("y")));
        foreach (var silo in host.Silos)
        {
            Assert.Equal(PredictionStatus.NotCached, (await silo.PredictAsync("y", new CacheDirectives(OnlyIfCached: true))).Status);
        }

        Assert.Equal(1, backend.Calls);
    }

    [Fact]
    public async Task Clear_ThroughSiloThree_RemovesTheEntriesActiveOnSilosOneAndTwo()
    {
        // Arrange: a on silo 1, b on silo 2, each published there and stored.
        var backend = new FakeInferenceBackend(gated: false);
        await using var host = await StartAsync(backend);
        var (one, two, three) = (host.Silos[0], host.Silos[1], host.Silos[2]);
        await one.InsertAsync("a");
        await two.InsertAsync("b");
        var (keyA, keyB) = (one.KeyOf("a"), two.KeyOf("b"));
        var before = (one.IsPublished("a"), two.IsPublished("b"), await three.CountStoredRowsAsync());

        // Act
        var stats = await TestWait.ForAsync(three.Predictions.ClearAsync(), "the clear");
        var publishedAfter = (one.Entries.Count, two.Entries.Count);
        await one.Activity.WaitForInactiveAsync(PredictionGrainType, keyA);
        await two.Activity.WaitForInactiveAsync(PredictionGrainType, keyB);

        // Assert: both silos dropped their entries before the clear returned, storage holds none, and no silo serves
        // either key any more (an only-if-cached request starts no inference).
        Assert.Equal((true, true, 2L), before);
        Assert.Equal((0, 0), publishedAfter);
        Assert.Equal(3, stats.Nodes.Count);
        Assert.Equal((0L, 0L, 0L), (stats.Size, stats.Hits, stats.StoredEntries));
        Assert.Equal(0, await three.CountStoredRowsAsync());
        Assert.False(await three.StorageHoldsAsync(keyA));
        Assert.False(await three.StorageHoldsAsync(keyB));
        foreach (var silo in host.Silos)
        {
            foreach (var text in new[] { "a", "b" })
            {
                Assert.Equal(PredictionStatus.NotCached, (await silo.PredictAsync(text, new CacheDirectives(OnlyIfCached: true))).Status);
            }
        }

        Assert.Equal(2, backend.Calls);
    }

    [Fact]
    public async Task Kill_SiloRunningAJob_SettlesItsJobAndNoLiveSilosJob()
    {
        // Arrange: the model holds every call; a job runs on silo 1 and another on silo 2. The silos run on the real
        // clock: silo 2 sees the job another silo settles by reading the shared store again (every 100 ms); no
        // inference times out within a test (an hour).
        var backend = new FakeInferenceBackend();
        await using var host = await StartAsync(backend, realClock: true, ("Inference:TimeoutSeconds", "3600"));
        var (one, two, three) = (host.Silos[0], host.Silos[1], host.Silos[2]);
        var onOne = await one.PredictAsync("on one");
        await TestWait.ForAsync(backend.WaitForCallsAsync(1), "the inference on silo 1");
        var onTwo = await two.PredictAsync("on two");
        await TestWait.ForAsync(backend.WaitForCallsAsync(2), "the inference on silo 2");
        var (deadOwner, liveOwner) = (one.Address.ToParsableString(), two.Address.ToParsableString());
        var dead = one.Address;

        // Act
        await host.KillAsync(one);
        await two.WaitForStatusAsync(dead, SiloStatus.Dead);
        await three.WaitForStatusAsync(dead, SiloStatus.Dead);
        var settled = await two.WaitForJobAsync(onOne.JobId);

        // Every survivor's settlement of the dead silo is over (it runs one at a time, and settles a silo once).
        await TestWait.ForAsync(Task.WhenAll(two.DeadSiloJobs.SettleCurrentAsync(), three.DeadSiloJobs.SettleCurrentAsync()), "the settlements");
        var live = await three.Jobs.GetAsync(onTwo.JobId);
        backend.Release();
        var finished = await two.WaitForJobAsync(onTwo.JobId);

        // Assert: the dead silo's job failed with a reason naming it; the live silo's job stayed processing and then
        // completed with its answer.
        Assert.Equal((PredictionStatus.Started, PredictionStatus.Started), (onOne.Status, onTwo.Status));
        Assert.Equal((JobStatus.Failed, deadOwner), (settled.Status, settled.Owner));
        Assert.Contains(deadOwner, settled.Error, StringComparison.Ordinal);
        Assert.Equal((JobStatus.Processing, liveOwner), (live!.Status, live.Owner));
        Assert.Equal((JobStatus.Completed, liveOwner), (finished.Status, finished.Owner));
        Assert.Equal(FakeInferenceBackend.AnswerFor("on two"), finished.Result!.ToString());
        Assert.Equal(2, backend.Calls);
    }

    [Fact]
    public async Task GetStats_OnAnySilo_ReportsTheThreeNodesAndTheirSums()
    {
        // Arrange: one key inferred through each silo, and a hit on silo 2's key through silo 1.
        var backend = new FakeInferenceBackend(gated: false);
        await using var host = await StartAsync(backend);
        var (one, two, three) = (host.Silos[0], host.Silos[1], host.Silos[2]);
        await one.InsertAsync("a");
        await two.InsertAsync("b");
        await three.InsertAsync("c");
        var hit = await one.PredictAsync("b");
        var addresses = host.Silos.Select(static s => s.Address.ToParsableString()).Order(StringComparer.Ordinal).ToArray();

        // Act
        var stats = await Task.WhenAll(host.Silos.Select(s => TestWait.ForAsync(s.Predictions.GetStatsAsync(), $"the stats through {s.Name}")));

        // Assert: whichever silo answers, the same three nodes with their own figures, and totals that are their sums.
        Assert.Equal(PredictionStatus.Hit, hit.Status);
        foreach (var snapshot in stats)
        {
            Assert.Equal(addresses, snapshot.Nodes.Select(static n => n.Address));
            var nodes = snapshot.Nodes.ToDictionary(static n => n.Address);
            Assert.Equal(
                [(1L, 1L, 0L), (1L, 1L, 1L), (1L, 1L, 0L)],
                host.Silos.Select(s => nodes[s.Address.ToParsableString()]).Select(static n => (n.Size, n.Misses, n.Hits)));
            Assert.Equal((3L, 1L, 3L, 3L, 3L), (snapshot.Size, snapshot.Hits, snapshot.Misses, snapshot.Inferences, snapshot.StoredEntries));
            Assert.Equal(
                (snapshot.Size, snapshot.Hits, snapshot.Misses, snapshot.Inferences, snapshot.Coalesced, snapshot.Activations),
                (nodes.Values.Sum(static n => n.Size), nodes.Values.Sum(static n => n.Hits), nodes.Values.Sum(static n => n.Misses),
                    nodes.Values.Sum(static n => n.Inferences), nodes.Values.Sum(static n => n.Coalesced), nodes.Values.Sum(static n => n.Activations)));
        }
    }

    /// <summary>Three silos on this test's Redis (membership and directory) and database, <paramref name="backend"/> their model.</summary>
    private Task<CacheCluster> StartAsync(FakeInferenceBackend backend, bool realClock = false, params (string Key, string Value)[] settings)
    {
        var options = new CacheClusterOptions { Silos = 3, RedisConnectionString = Redis.ConnectionString, RealClock = realClock };
        options.Backends.Add(backend);
        foreach (var (key, value) in Database.Settings)
        {
            options.Settings[key] = value;
        }

        foreach (var (key, value) in settings)
        {
            options.Settings[key] = value;
        }

        return CacheCluster.StartAsync(options);
    }

    /// <summary>
    /// The silos in Orleans' Redis membership table (a hash <c>{service id}/members/{cluster id}</c>, a field per silo
    /// holding its entry as JSON, and the table's version): each silo and its status.
    /// </summary>
    private async Task<(string Silo, SiloStatus Status)[]> MembersInRedisAsync(CacheCluster host)
    {
        var table = $"{host.Cluster.Options.ServiceId}/members/{host.Cluster.Options.ClusterId}";
        await using var connection = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        var server = connection.GetServer(connection.GetEndPoints().Single());
        Assert.Equal([table], (await server.KeysAsync(pattern: "*/members/*").ToArrayAsync()).Select(static k => k.ToString()));
        var fields = await connection.GetDatabase().HashGetAllAsync(table);
        return fields.Where(static f => f.Name != "Version").Select(static f => (f.Name.ToString(), StatusOf(f.Value))).ToArray();

        static SiloStatus StatusOf(RedisValue entry)
        {
            using var json = JsonDocument.Parse(entry.ToString());
            return (SiloStatus)json.RootElement.GetProperty("Status").GetInt32();
        }
    }

    /// <summary>
    /// The prediction grains Orleans' Redis grain directory holds registrations for (its keys are
    /// <c>{cluster id}/directory/{grain id}</c>, its values the activation's address as JSON): each key and the silo named.
    /// </summary>
    private async Task<(string Key, SiloAddress Silo)[]> RegisteredPredictionGrainsAsync(CacheCluster host)
    {
        var prefix = $"{host.Cluster.Options.ClusterId}/directory/{PredictionGrainType}/";
        await using var connection = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        var server = connection.GetServer(connection.GetEndPoints().Single());
        var database = connection.GetDatabase();
        var registrations = new List<(string, SiloAddress)>();
        await foreach (var key in server.KeysAsync(pattern: "*/directory/" + PredictionGrainType + "/*"))
        {
            var name = key.ToString();
            Assert.StartsWith(prefix, name, StringComparison.Ordinal);
            var address = JsonSerializer.Deserialize<GrainAddress>((string)(await database.StringGetAsync(key))!)!;
            registrations.Add((name[prefix.Length..], address.SiloAddress!));
        }

        return [.. registrations];
    }
}

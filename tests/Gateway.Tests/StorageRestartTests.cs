using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests;

/// <summary>
/// The cache across a restart, over HTTP: a gateway stores an entry and stops; a new gateway on the same database
/// (SQLite file, real PostgreSQL) serves it from storage without inference and still knows its job.
/// </summary>
public sealed class StorageRestartTests : IDisposable
{
    private const string Text = "kept across a restart";

    private readonly TempDirectory _directory = new();

    public static TheoryData<string> Providers => ["sqlite", "postgres"];

    public void Dispose() => _directory.Dispose();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Restart_SameDatabase_EntryIsLevel2HitWithoutInferenceAndJobIsKept(string provider)
    {
        var settings = await SettingsAsync(provider);
        var jobId = await StoreAndStopAsync(settings);

        await using var factory = new GatewayFactory(settings);
        using var client = factory.CreateClient();
        using var hit = await client.PredictAsync(Text);
        var stats = await client.GetStatsAsync();
        using var job = await client.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal("HIT", hit.Header("X-Cache"));
        var body = await hit.ReadJsonAsync();
        Assert.Equal(jobId, body.GetProperty("job_id").GetGuid());
        Assert.True(body.GetProperty("cached").GetBoolean());
        GatewayHttp.AssertBuiltinResult(body.GetProperty("result"));
        Assert.Equal(0, stats.GetProperty("inferences").GetInt64());
        Assert.Equal(0, stats.GetProperty("misses").GetInt64());
        Assert.Equal(1, stats.GetProperty("hits").GetInt64());
        Assert.Equal(0, stats.GetProperty("hits_l1").GetInt64());
        Assert.Equal(1, stats.GetProperty("hits_l2").GetInt64());
        Assert.Equal(1, stats.GetProperty("stored_entries").GetInt64());
        Assert.Equal(HttpStatusCode.OK, job.StatusCode);
        var stored = await job.ReadJsonAsync();
        Assert.Equal("completed", stored.GetProperty("status").GetString());
        Assert.Equal(body.GetProperty("result").GetRawText(), stored.GetProperty("result").GetRawText());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Clear_AfterRestart_EmptiesStorageAndTheTextIsAMissAgain(string provider)
    {
        var settings = await SettingsAsync(provider);
        await StoreAndStopAsync(settings);

        await using var factory = new GatewayFactory(settings);
        using var client = factory.CreateClient();
        var before = await client.GetStatsAsync();
        using var clear = await client.DeleteAsync(new Uri("/cache", UriKind.Relative));
        var cleared = await clear.ReadJsonAsync();
        var after = await client.GetStatsAsync();
        using var miss = await client.PredictAsync(Text);

        Assert.Equal(1, before.GetProperty("stored_entries").GetInt64());
        Assert.Equal(HttpStatusCode.OK, clear.StatusCode);
        Assert.Equal(0, cleared.GetProperty("stats").GetProperty("stored_entries").GetInt64());
        Assert.Equal(0, after.GetProperty("stored_entries").GetInt64());
        Assert.Equal(HttpStatusCode.Accepted, miss.StatusCode);
        Assert.Equal("MISS", miss.Header("X-Cache"));
    }

    /// <summary>A gateway on the database stores <see cref="Text"/> and stops; returns the job id.</summary>
    private static async Task<Guid> StoreAndStopAsync(Dictionary<string, string?> settings)
    {
        await using var factory = new GatewayFactory(settings);
        using var client = factory.CreateClient();
        return await factory.StoreAsync(client, Text);
    }

    /// <summary>A database of this test's own: a SQLite file in its directory, or a new PostgreSQL database.</summary>
    private async Task<Dictionary<string, string?>> SettingsAsync(string provider) => new()
    {
        ["Storage:Provider"] = provider,
        ["Storage:ConnectionString"] = provider == "postgres"
            ? await (await PostgresServer.SharedAsync()).CreateDatabaseAsync()
            : _directory.SqliteConnectionString(),
    };
}

using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Storage;

/// <summary>The durable cache on SQLite, and SQLite under a burst of concurrent misses.</summary>
public sealed class SqliteDurableCacheTests : DurableCacheTests
{
    protected override string Provider => TestDatabase.Sqlite;

    [Fact]
    public async Task Predict_TwoHundredConcurrentDistinctMisses_StoresEveryEntryAndCompletesEveryJob()
    {
        // Arrange
        const int misses = 200;
        await using var database = await TestDatabase.CreateAsync(Provider);
        await using var host = await TestClusters.StartOnAsync(database, new FakeInferenceBackend(gated: false, yields: true));
        var texts = Enumerable.Range(0, misses).Select(i => $"text {i}").ToArray();

        // Act
        var outcomes = await Task.WhenAll(texts.Select(text => Task.Run(() => host.PredictAsync(text))));
        var jobs = await Task.WhenAll(outcomes.Select(o => host.WaitForJobAsync(o.JobId)));

        // Assert
        Assert.All(outcomes, o => Assert.Equal(PredictionStatus.Started, o.Status));
        Assert.All(jobs, j => Assert.Equal(JobStatus.Completed, j.Status));
        Assert.Equal(texts.Select(FakeInferenceBackend.AnswerFor), jobs.Select(j => j.Result!.ToString()));
        Assert.Equal(misses, await host.CountStoredRowsAsync());
        Assert.Equal(misses, host.Backend!.Calls);
        Assert.Equal(misses, (await host.Predictions.GetStatsAsync()).StoredEntries);
    }
}

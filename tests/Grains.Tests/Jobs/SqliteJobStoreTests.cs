using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Jobs;

/// <summary>The SQL job store on SQLite, which keeps timestamps in milliseconds.</summary>
public sealed class SqliteJobStoreTests : SqlJobStoreTests
{
    protected override string Provider => TestDatabase.Sqlite;

    protected override TimeSpan Precision => TimeSpan.FromMilliseconds(1);
}

using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Jobs;

/// <summary>The SQL job store on a real PostgreSQL, which keeps timestamps in microseconds.</summary>
public sealed class PostgresJobStoreTests : SqlJobStoreTests
{
    protected override string Provider => TestDatabase.Postgres;

    protected override TimeSpan Precision => TimeSpan.FromMicroseconds(1);
}

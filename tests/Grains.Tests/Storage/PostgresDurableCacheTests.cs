using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Storage;

/// <summary>The durable cache on a real PostgreSQL.</summary>
public sealed class PostgresDurableCacheTests : DurableCacheTests
{
    protected override string Provider => TestDatabase.Postgres;
}

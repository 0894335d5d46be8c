
namespace PredictionCache.Silo.Storage;

/// <summary>
/// The cache's tables, <c>cache_entries</c> and <c>jobs</c>, as migrations per provider. Migration i brings the
/// schema to version i + 1; a version is never edited once released, a change is a new migration appended.
/// </summary>
internal static class CacheSchema
{
    /// <summary>The component name recorded in <c>schema_versions</c>.</summary>
    public const string Component = "predictioncache";

    /// <summary>The migrations for <paramref name="dialect"/>.</summary>
    public static IReadOnlyList<string> For(StorageDialect dialect) => dialect switch
    {
        SqliteDialect => SqliteCacheSchema.Migrations,
        PostgresDialect => PostgresCacheSchema.Migrations,
        _ => throw new ArgumentException($"No schema for the '{dialect.Name}' provider.", nameof(dialect)),
    };
}

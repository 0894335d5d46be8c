namespace PredictionCache.Grains.Storage;

/// <summary>
/// Upkeep of one state table's records in its storage provider: what a cache needs
/// beside per-grain reads and writes. Registered by the silo's storage composition.
/// </summary>
/// <typeparam name="TState">The state's type.</typeparam>
public interface IGrainStateTable<TState>
{
    /// <summary>How many records are stored.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets the last access time of the records with these keys (one batched write, not one per key).</summary>
    Task RecordAccessAsync(IReadOnlyCollection<string> keys, DateTimeOffset accessedAt, CancellationToken cancellationToken = default);

    /// <summary>Deletes the least recently accessed records beyond <paramref name="maxRecords"/>; returns how many.</summary>
    Task<long> TrimAsync(long maxRecords, CancellationToken cancellationToken = default);

    /// <summary>Deletes the records expired at <paramref name="now"/>; returns how many.</summary>
    Task<long> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Deletes every record; returns how many.</summary>
    Task<long> ClearAsync(CancellationToken cancellationToken = default);

    /// <summary>How many records belong to <paramref name="tenant"/>; the empty tenant counts the records of no tenant.</summary>
    /// <exception cref="NotSupportedException">The table has no tenant column.</exception>
    Task<long> CountTenantAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the records of <paramref name="tenant"/> and no others (the empty tenant: the records of no tenant);
    /// returns how many. A record of that tenant written while the clear runs may be kept.
    /// </summary>
    /// <exception cref="NotSupportedException">The table has no tenant column.</exception>
    Task<long> ClearTenantAsync(string tenant, CancellationToken cancellationToken = default);
}

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
}

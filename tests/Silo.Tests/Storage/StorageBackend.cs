using Orleans.Storage;
using PredictionCache.Silo.Storage;
using PredictionCache.TestKit;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>One grain storage provider under test, with a database of its own that lives as long as one test.</summary>
internal abstract class StorageBackend : IAsyncDisposable
{
    /// <summary>What a stored timestamp keeps: memory every tick, PostgreSQL microseconds, SQLite milliseconds.</summary>
    public abstract TimeSpan TimestampPrecision { get; }

    /// <summary>A storage with one table per registration, created by a migration where the provider has a schema.</summary>
    public abstract Task<IGrainStorage> CreateStorageAsync(TimeProvider time, IReadOnlyList<StateTableRegistration> tables);

    /// <summary>
    /// Stores <paramref name="count"/> records <c>bulk-0</c>, <c>bulk-1</c>, ... whose record i was last accessed and
    /// expires at the returned start + i ms. Here through the storage itself, a millisecond of the clock per write.
    /// </summary>
    public virtual async Task<DateTimeOffset> SeedAsync(IGrainStorage storage, StateTableRegistration table, TestClock clock, int count)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(clock);
        var start = clock.GetUtcNow();
        for (var i = 0; i < count; i++)
        {
            var state = new GrainState<TestEntry>(new TestEntry { Name = "bulk", Payload = "{}", CreatedAt = start, ExpiresAt = start.AddMilliseconds(i) });
            await storage.WriteStateAsync(table.StateName, GrainId.Create(table.GrainType, $"bulk-{i}"), state);
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        return start;
    }

    public abstract ValueTask DisposeAsync();
}

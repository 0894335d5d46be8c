using PredictionCache.Grains.Prediction;
using System.Text;
using PredictionCache.Grains.Inference;

namespace PredictionCache.Silo.Storage;

/// <summary>The prediction grain's <c>entry</c> state as rows of <c>cache_entries</c>.</summary>
internal sealed class CacheEntryTable : GrainStateTable<CacheEntry>
{
    private static readonly StateColumn[] EntryColumns =
    [
        new("model", StateColumnType.Text),
        new("normalized_text", StateColumnType.Text),
        new("result", StateColumnType.Json),
        new("job_id", StateColumnType.Uuid),
        new("created_at", StateColumnType.Timestamp),
        new("expires_at", StateColumnType.Timestamp),
        new("tenant", StateColumnType.Text),
    ];

    public override string TableName => "cache_entries";

    public override string KeyColumn => "key";

    public override IReadOnlyList<StateColumn> Columns => EntryColumns;

    public override int? ExpiresColumn => 5;

    public override int? TenantColumn => 6;

    public override object?[] ToRow(CacheEntry state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return [state.Model, state.NormalizedText, state.Result?.ToString() ?? "null", state.JobId, state.CreatedAt, state.ExpiresAt, state.Tenant];
    }

    public override CacheEntry FromRow(IReadOnlyList<object?> row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new CacheEntry
        {
            Model = (string)row[0]!,
            NormalizedText = (string)row[1]!,
            Result = PredictionResult.FromJson(Encoding.UTF8.GetBytes((string)row[2]!)),
            JobId = (Guid)row[3]!,
            CreatedAt = (DateTimeOffset)row[4]!,
            ExpiresAt = (DateTimeOffset)row[5]!,
            Tenant = (string)row[6]!,
        };
    }
}

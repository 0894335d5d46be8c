using PredictionCache.Silo.Storage;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>
/// Maps <see cref="TestEntry"/> to a table named by the test, so two grain types get two tables. Every table has the
/// <c>tenant</c> column; only with <paramref name="tenants"/> does the mapping declare it as the tenant column.
/// </summary>
public sealed class TestEntryTable(string tableName, bool tenants = true) : GrainStateTable<TestEntry>
{
    public override string TableName { get; } = tableName;

    public override IReadOnlyList<StateColumn> Columns { get; } =
    [
        new("name", StateColumnType.Text),
        new("payload", StateColumnType.Json),
        new("created_at", StateColumnType.Timestamp),
        new("job_id", StateColumnType.Uuid),
        new("expires_at", StateColumnType.Timestamp),
        new("tenant", StateColumnType.Text),
    ];

    public override int? ExpiresColumn => 4;

    public override int? TenantColumn => tenants ? 5 : null;

    public override object?[] ToRow(TestEntry state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return [state.Name, state.Payload, state.CreatedAt, state.JobId, state.ExpiresAt, state.Tenant];
    }

    public override TestEntry FromRow(IReadOnlyList<object?> row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new TestEntry
        {
            Name = (string)row[0]!,
            Payload = (string?)row[1],
            CreatedAt = (DateTimeOffset)row[2]!,
            JobId = (Guid)row[3]!,
            ExpiresAt = (DateTimeOffset?)row[4],
            Tenant = (string)row[5]!,
        };
    }
}

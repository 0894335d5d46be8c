using System.Globalization;
using PredictionCache.Silo.Tests.Grains;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>Maps the test grains' <see cref="CounterState"/> to a table of one text column.</summary>
internal sealed class CounterStateTable(string tableName) : GrainStateTable<CounterState>
{
    public override string TableName { get; } = tableName;

    public override IReadOnlyList<StateColumn> Columns { get; } = [new("value", StateColumnType.Text)];

    public static string SqliteSchema(string table) =>
        $"CREATE TABLE {table} (grain_key TEXT NOT NULL PRIMARY KEY, version INTEGER NOT NULL, last_access INTEGER NOT NULL, value TEXT NOT NULL);";

    public override object?[] ToRow(CounterState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return [state.Value.ToString(CultureInfo.InvariantCulture)];
    }

    public override CounterState FromRow(IReadOnlyList<object?> row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new CounterState { Value = int.Parse((string)row[0]!, CultureInfo.InvariantCulture) };
    }
}

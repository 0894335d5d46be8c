namespace PredictionCache.Silo.Storage;

/// <summary>
/// Maps one grain state type to a table of its own, so its fields are columns that SQL can index, sort and sweep
/// (Orleans' ADO.NET storage keeps one opaque payload per row instead). The table is bound to one grain type and one
/// state name, so the storage key is grain type, key and state name together, and two grain types never collide.
/// Besides the mapped columns the table has the provider's own: <see cref="KeyColumn"/> (primary key),
/// <c>version</c> (the ETag, a 64-bit integer) and <c>last_access</c> (a timestamp, for trimming by least recent use).
/// </summary>
/// <typeparam name="TState">The state's type.</typeparam>
public abstract class GrainStateTable<TState>
{
    /// <summary>The table's name.</summary>
    public abstract string TableName { get; }

    /// <summary>The primary-key column holding the grain key. Default <c>grain_key</c>.</summary>
    public virtual string KeyColumn => "grain_key";

    /// <summary>The mapped columns, in the order <see cref="ToRow"/> and <see cref="FromRow"/> use.</summary>
    public abstract IReadOnlyList<StateColumn> Columns { get; }

    /// <summary>The index in <see cref="Columns"/> of the timestamp after which a record is expired; null when records never expire.</summary>
    public virtual int? ExpiresColumn => null;

    /// <summary>
    /// The index in <see cref="Columns"/> of the <see cref="StateColumnType.Text"/> column naming the record's tenant
    /// (empty for none), which the provider indexes; null when the table has no tenants, and tenant upkeep throws
    /// <see cref="NotSupportedException"/>.
    /// </summary>
    public virtual int? TenantColumn => null;

    /// <summary>The state's column values: <see cref="string"/>, <see cref="DateTimeOffset"/>, <see cref="Guid"/> or null.</summary>
    public abstract object?[] ToRow(TState state);

    /// <summary>The state from column values of the types <see cref="ToRow"/> gives.</summary>
    public abstract TState FromRow(IReadOnlyList<object?> row);

    /// <summary>When <paramref name="state"/> expires, read through <see cref="ExpiresColumn"/>; null when it never does.</summary>
    public DateTimeOffset? ExpiresAt(TState state) =>
        ExpiresColumn is { } column ? ToRow(state)[column] as DateTimeOffset? : null;

    /// <summary>The tenant of <paramref name="state"/>, read through <see cref="TenantColumn"/>.</summary>
    /// <exception cref="NotSupportedException">The table has no tenant column.</exception>
    public string TenantOf(TState state) => (string?)ToRow(state)[TenantColumn ?? throw NoTenantColumn()] ?? "";

    /// <summary>What tenant upkeep throws on a table that declares no <see cref="TenantColumn"/>.</summary>
    internal NotSupportedException NoTenantColumn() =>
        new($"The '{TableName}' table has no tenant column ({GetType().Name} declares no TenantColumn), so its records cannot be counted or cleared by tenant.");
}

/// <summary>One mapped column of a <see cref="GrainStateTable{TState}"/>.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="Type">What it holds.</param>
public sealed record StateColumn(string Name, StateColumnType Type);

/// <summary>What a <see cref="StateColumn"/> holds; each provider chooses its SQL type.</summary>
public enum StateColumnType
{
    /// <summary>A string.</summary>
    Text,

    /// <summary>A JSON document, as a string.</summary>
    Json,

    /// <summary>A <see cref="DateTimeOffset"/>, kept in UTC.</summary>
    Timestamp,

    /// <summary>A <see cref="Guid"/>.</summary>
    Uuid,
}

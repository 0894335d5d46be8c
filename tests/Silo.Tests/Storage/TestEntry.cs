namespace PredictionCache.Silo.Tests.Storage;

/// <summary>
/// A state with one column of every <see cref="PredictionCache.Silo.Storage.StateColumnType"/> and an expiry, immutable so in-memory storage can
/// hold it by reference. A parameterless default, so Orleans' persistent state can create it.
/// </summary>
public sealed record TestEntry
{
    public string Name { get; init; } = "";

    /// <summary>A JSON document, kept as written.</summary>
    public string? Payload { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public Guid JobId { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Whose record it is; empty for no tenant.</summary>
    public string Tenant { get; init; } = "";
}

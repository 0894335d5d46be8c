namespace PredictionCache.Silo;

/// <summary>
/// A grain storage provider, as Orleans' <c>IGrainStorage</c>. Records are keyed by grain type, grain key and
/// state name. Writes and clears carry the ETag the caller last saw; a stale one fails with
/// <see cref="InconsistentStateException"/> and never overwrites.
/// </summary>
public interface IGrainStorage
{
    /// <summary>Reads the record into <paramref name="grainState"/>; a missing record leaves <c>RecordExists</c> false.</summary>
    Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default);

    /// <summary>Writes the record if <paramref name="grainState"/>'s ETag is current, and gives it the new ETag.</summary>
    /// <exception cref="InconsistentStateException">The stored ETag differs from the caller's.</exception>
    Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default);

    /// <summary>Removes the record if <paramref name="grainState"/>'s ETag is current.</summary>
    /// <exception cref="InconsistentStateException">The stored ETag differs from the caller's.</exception>
    Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken = default);
}

/// <summary>A grain's state as a storage provider sees it, as Orleans' <c>IGrainState&lt;T&gt;</c>.</summary>
/// <typeparam name="T">The state's type.</typeparam>
public interface IGrainState<T>
{
    /// <summary>The state.</summary>
    T State { get; set; }

    /// <summary>The version the caller last read or wrote; null when there is no record.</summary>
    string? ETag { get; set; }

    /// <summary>Whether a record exists in storage.</summary>
    bool RecordExists { get; set; }
}

/// <summary>A grain's persistent state, injected with <see cref="PersistentStateAttribute"/>, as Orleans' <c>IPersistentState&lt;T&gt;</c>.</summary>
/// <typeparam name="TState">The state's type.</typeparam>
public interface IPersistentState<TState>
{
    /// <summary>The state; a fresh default when no record exists.</summary>
    TState State { get; set; }

    /// <summary>The version last read or written; null when there is no record.</summary>
    string? Etag { get; }

    /// <summary>Whether a record exists in storage.</summary>
    bool RecordExists { get; }

    /// <summary>Reads the state from storage.</summary>
    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes the state to storage.</summary>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes the record from storage and resets the state.</summary>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}

/// <summary>Thrown when a write or clear carries an ETag that is no longer current, as Orleans' <c>InconsistentStateException</c>.</summary>
public sealed class InconsistentStateException : Exception
{
    /// <summary>Creates the exception with both ETags.</summary>
    public InconsistentStateException(string? storedEtag, string? currentEtag)
        : base($"Version conflict: the stored ETag is '{storedEtag ?? "(none)"}' but the write carried '{currentEtag ?? "(none)"}'.")
    {
        StoredEtag = storedEtag;
        CurrentEtag = currentEtag;
    }

    /// <summary>The ETag in storage.</summary>
    public string? StoredEtag { get; }

    /// <summary>The ETag the caller carried.</summary>
    public string? CurrentEtag { get; }
}

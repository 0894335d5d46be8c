namespace PredictionCache.Silo.Storage;

/// <summary>
/// Thrown at start-up when the database that <c>Storage:ConnectionString</c> names cannot be reached or opened. The
/// message names the provider and the key, never the connection string (it may hold a password); the provider's own
/// error (host and port, SQLite's code) is the inner exception.
/// </summary>
public sealed class StorageUnavailableException : Exception
{
    /// <summary>Creates the exception for <paramref name="provider"/>, caused by <paramref name="innerException"/>.</summary>
    public StorageUnavailableException(string provider, Exception innerException)
        : base(
            $"The {provider} storage could not be opened with Storage:ConnectionString (not shown; it may hold a password): " +
            $"{innerException?.Message.TrimEnd('.')}. Check the server, the database and its credentials, or set Storage:Provider.",
            innerException) => Provider = provider;

    /// <summary>The <c>Storage:Provider</c> in effect.</summary>
    public string Provider { get; }
}

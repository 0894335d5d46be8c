namespace PredictionCache.TestKit;

/// <summary>
/// A throwaway PostgreSQL server could not be found, started or stopped; the message names what is missing or
/// carries the command's output and the tail of the server log.
/// </summary>
public sealed class PostgresServerException : Exception
{
    /// <summary>Creates the exception with the message and, when there is one, the failure underneath.</summary>
    public PostgresServerException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

using Microsoft.Data.Sqlite;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>A fresh directory of one test's own (a SQLite database and its WAL); deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("predictioncache-tests-").FullName;

    public string Path { get; }

    /// <summary>A SQLite connection string for the database file <paramref name="name"/> in this directory.</summary>
    public string SqliteConnectionString(string name = "predictioncache.db") =>
        new SqliteConnectionStringBuilder { DataSource = System.IO.Path.Combine(Path, name) }.ConnectionString;

    public void Dispose()
    {
        // Pooled connections of this process keep the files open; the directory goes only once they are closed.
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}

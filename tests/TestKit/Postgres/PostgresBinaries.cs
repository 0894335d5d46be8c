namespace PredictionCache.TestKit;

/// <summary>
/// Where the PostgreSQL server programs are, and how to run them: initdb and postgres refuse to run as root, so as
/// root every program runs as the <c>postgres</c> system user through <c>runuser</c>.
/// </summary>
internal sealed class PostgresBinaries
{
    /// <summary>The environment variable naming the directory with initdb and pg_ctl; wins over the search.</summary>
    public const string DirectoryVariable = "PG_BIN";

    /// <summary>The system user the server runs as when this process is root.</summary>
    public const string ServiceUser = "postgres";

    private const string DebianRoot = "/usr/lib/postgresql";
    private static readonly string[] Programs = ["initdb", "pg_ctl", "postgres"];

    private PostgresBinaries(string directory, bool runAsServiceUser)
    {
        Directory = directory;
        RunAsServiceUser = runAsServiceUser;
    }

    /// <summary>The directory holding initdb, pg_ctl and postgres.</summary>
    public string Directory { get; }

    /// <summary>True when this process is root, so programs run as <see cref="ServiceUser"/>.</summary>
    public bool RunAsServiceUser { get; }

    /// <summary>
    /// <see cref="DirectoryVariable"/> when set, else the highest version's <c>/usr/lib/postgresql/*/bin</c> that
    /// holds initdb; throws <see cref="PostgresServerException"/> naming what is missing.
    /// </summary>
    public static PostgresBinaries Locate()
    {
        var configured = Environment.GetEnvironmentVariable(DirectoryVariable);
        string directory;
        string source;
        if (!string.IsNullOrEmpty(configured))
        {
            directory = configured;
            source = $"{DirectoryVariable}={configured}";
        }
        else
        {
            directory = FindNewestDebianDirectory() ?? throw new PostgresServerException(
                $"PostgreSQL server programs not found: {DirectoryVariable} is not set and no {DebianRoot}/*/bin/initdb "
                + "exists. Install PostgreSQL (Debian: apt-get install postgresql; scripts/test.sh does it when missing) "
                + $"or set {DirectoryVariable} to the directory holding initdb and pg_ctl.");
            source = directory;
        }

        var missing = Programs.Where(program => !File.Exists(Path.Combine(directory, program))).ToList();
        if (missing.Count > 0)
        {
            throw new PostgresServerException(
                $"PostgreSQL server programs not found: {string.Join(", ", missing)} missing from {source}.");
        }

        return new PostgresBinaries(directory, Environment.IsPrivilegedProcess);
    }

    /// <summary>The file to start and its arguments to run <paramref name="program"/> with <paramref name="arguments"/>.</summary>
    public (string FileName, IEnumerable<string> Arguments) Command(string program, params IEnumerable<string> arguments)
    {
        var path = Path.Combine(Directory, program);
        return RunAsServiceUser
            ? ("runuser", ["-u", ServiceUser, "--", path, .. arguments])
            : (path, arguments);
    }

    private static string? FindNewestDebianDirectory()
    {
        if (!System.IO.Directory.Exists(DebianRoot))
        {
            return null;
        }

        // Directory names are versions ("15", "9.6"): compare them as numbers, so 15 beats 9.6.
        return System.IO.Directory.EnumerateDirectories(DebianRoot)
            .Select(versionDirectory => (Version: ParseVersion(Path.GetFileName(versionDirectory)), Bin: Path.Combine(versionDirectory, "bin")))
            .Where(candidate => candidate.Version is not null && File.Exists(Path.Combine(candidate.Bin, "initdb")))
            .OrderByDescending(candidate => candidate.Version)
            .Select(candidate => candidate.Bin)
            .FirstOrDefault();
    }

    private static Version? ParseVersion(string name) =>
        Version.TryParse(name.Contains('.', StringComparison.Ordinal) ? name : name + ".0", out var version) ? version : null;
}

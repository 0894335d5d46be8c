namespace PredictionCache.TestKit;

/// <summary>A command could not be started or exited with a non-zero code; the message carries what it printed.</summary>
internal sealed class CommandFailedException : Exception
{
    public CommandFailedException(
        string commandLine, int exitCode, string standardOutput, string standardError, Exception? innerException = null)
        : base(Format(commandLine, exitCode, standardOutput, standardError), innerException)
    {
        CommandLine = commandLine;
        ExitCode = exitCode;
    }

    /// <summary>The command and its arguments, space-separated.</summary>
    public string CommandLine { get; }

    /// <summary>The exit code; -1 when the command could not be started.</summary>
    public int ExitCode { get; }

    private static string Format(string commandLine, int exitCode, string standardOutput, string standardError) =>
        (exitCode == -1 ? $"`{commandLine}` could not be started" : $"`{commandLine}` exited with {exitCode}")
        + Section("stdout", standardOutput)
        + Section("stderr", standardError);

    private static string Section(string name, string text) =>
        string.IsNullOrWhiteSpace(text) ? string.Empty : $"{Environment.NewLine}--- {name} ---{Environment.NewLine}{text.TrimEnd()}";
}

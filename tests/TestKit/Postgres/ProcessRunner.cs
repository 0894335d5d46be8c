using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace PredictionCache.TestKit;

/// <summary>
/// Runs a command directly (an argument list, no shell, so paths need no quoting) and captures what it prints.
/// </summary>
internal static class ProcessRunner
{
    /// <summary>Runs <paramref name="fileName"/> to its end; throws <see cref="CommandFailedException"/> on a non-zero exit.</summary>
    public static async Task<CommandResult> RunAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        using var command = Capture.Start(fileName, arguments, workingDirectory);
        try
        {
            // Also waits for both pipes to close, so the captured output is complete.
            await command.Process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            command.Process.Kill(entireProcessTree: true);
            throw;
        }

        return command.Check();
    }

    private sealed class Capture : IDisposable
    {
        private readonly StringBuilder _standardOutput = new();
        private readonly StringBuilder _standardError = new();

        private Capture(Process process, string commandLine)
        {
            Process = process;
            CommandLine = commandLine;
        }

        public Process Process { get; }

        public string CommandLine { get; }

        public static Capture Start(string fileName, IEnumerable<string> arguments, string workingDirectory)
        {
            var startInfo = new ProcessStartInfo(fileName)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = workingDirectory,
            };
            foreach (var argument in arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }

            var capture = new Capture(new Process { StartInfo = startInfo }, string.Join(' ', [fileName, .. startInfo.ArgumentList]));
            capture.Process.OutputDataReceived += (_, e) => capture.Append(capture._standardOutput, e.Data);
            capture.Process.ErrorDataReceived += (_, e) => capture.Append(capture._standardError, e.Data);
            try
            {
                capture.Process.Start();
            }
            catch (Win32Exception e)
            {
                capture.Dispose();
                throw new CommandFailedException(capture.CommandLine, -1, string.Empty, e.Message, e);
            }

            // Read both pipes while the command runs: one left unread fills up and blocks the child.
            capture.Process.BeginOutputReadLine();
            capture.Process.BeginErrorReadLine();
            // A command that asks a question gets EOF instead of hanging.
            capture.Process.StandardInput.Close();
            return capture;
        }

        public CommandResult Check()
        {
            string standardOutput;
            string standardError;
            lock (_standardOutput)
            {
                standardOutput = _standardOutput.ToString();
                standardError = _standardError.ToString();
            }

            if (Process.ExitCode != 0)
            {
                throw new CommandFailedException(CommandLine, Process.ExitCode, standardOutput, standardError);
            }

            return new CommandResult(CommandLine, standardOutput, standardError);
        }

        public void Dispose() => Process.Dispose();

        private void Append(StringBuilder target, string? line)
        {
            if (line is null)
            {
                return;
            }

            // One lock for both buffers: the two events fire on different threads.
            lock (_standardOutput)
            {
                target.AppendLine(line);
            }
        }
    }
}

/// <summary>What a command that exited with 0 printed.</summary>
internal sealed record CommandResult(string CommandLine, string StandardOutput, string StandardError);

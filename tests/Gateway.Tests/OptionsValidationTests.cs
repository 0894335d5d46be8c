using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests;

/// <summary>
/// Options are validated at start-up; a bad value stops the host with a message naming the key and value. The
/// in-process cases build a host from the gateway's own registrations (<c>AddGateway</c>, as Program.cs does) and
/// start it: through WebApplicationFactory a failed start races with the entry point disposing the container, so
/// the factory reports either the validation error or an ObjectDisposedException. The process cases run Program.
/// </summary>
public sealed class OptionsValidationTests
{
    private const string Secret = "hunter2-never-echo";

    [Theory]
    [InlineData("Cache:MaxEntries", "0")]
    [InlineData("Cache:TtlSeconds", "0")]
    [InlineData("Cache:DirectoryShards", "-1")]
    [InlineData("Cache:NegativeTtlSeconds", "-1")]
    [InlineData("Cache:NegativeTtlSeconds", "86401")]
    [InlineData("Cache:GraceSeconds", "-1")]
    [InlineData("Gateway:MaxTextBytes", "-1")]
    [InlineData("Gateway:MaxRequestBytes", "10")]
    [InlineData("Gateway:MaxWaitSeconds", "601")]
    [InlineData("Gateway:MaxJsonDepth", "0")]
    [InlineData("Gateway:Cors:AllowedOrigins:0", "*")]
    [InlineData("Gateway:Cors:AllowedOrigins:0", "https://app.example.com/")]
    [InlineData("Gateway:Cors:AllowedOrigins:0", "https://app.example.com/path")]
    [InlineData("Gateway:Cors:AllowedOrigins:0", "ftp://app.example.com")]
    [InlineData("Gateway:Cors:AllowedOrigins:0", "app.example.com")]
    [InlineData("Inference:MaxConcurrency", "0")]
    [InlineData("Inference:Builtin:DelayMs", "-5")]
    [InlineData("Jobs:RetentionHours", "0")]
    [InlineData("Storage:Provider", "oracle")]
    public async Task Start_InvalidOption_FailsNamingKeyAndValue(string key, string value)
    {
        await using var host = BuildGateway(new Dictionary<string, string?> { [key] = value });

        var error = await Record.ExceptionAsync(() => host.StartAsync());

        var validation = FindInChain<OptionsValidationException>(error);
        Assert.Contains(key, validation.Message, StringComparison.Ordinal);
        Assert.Contains(value, validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MaxRequestBytesBelowMaxTextBytes_FailsNamingBothKeys()
    {
        await using var host = BuildGateway(new Dictionary<string, string?>
        {
            ["Gateway:MaxTextBytes"] = "65536",
            ["Gateway:MaxRequestBytes"] = "4096",
        });

        var error = await Record.ExceptionAsync(() => host.StartAsync());

        var validation = FindInChain<OptionsValidationException>(error);
        Assert.Contains("Gateway:MaxRequestBytes", validation.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:MaxTextBytes", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NonNumericOption_FailsNamingTheKey()
    {
        await using var host = BuildGateway(new Dictionary<string, string?> { ["Cache:MaxEntries"] = "lots" });

        var error = await Record.ExceptionAsync(() => host.StartAsync());

        Assert.NotNull(error);
        Assert.Contains(Chain(error), e => e.Message.Contains("Cache:MaxEntries", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Cache:MaxEntries", "0")]
    [InlineData("Gateway:MaxTextBytes", "-1")]
    public async Task Process_InvalidOption_ExitsWithMessageNamingKeyAndValue(string key, string value)
    {
        var (exitCode, output) = await GatewayProcess.RunToExitAsync($"--{key}={value}");

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"OptionsValidationException: {key} is '{value}'", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres", "unreachable")]
    [InlineData("postgres", "invalid")]
    public async Task Start_StorageUnusable_FailsNamingTheKeyWithoutEchoingIt(string provider, string kind)
    {
        await using var host = BuildGateway(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = provider,
            ["Storage:ConnectionString"] = UnusableConnectionString(kind),
        });

        var error = await Record.ExceptionAsync(() => host.StartAsync());

        Assert.NotNull(error);
        Assert.Contains(Chain(error), e => e.Message.Contains("Storage:ConnectionString", StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres", "unreachable")]
    [InlineData("postgres", "invalid")]
    public async Task Process_StorageUnusable_ExitsNamingTheKeyWithoutEchoingIt(string provider, string kind)
    {
        var (exitCode, output) = await GatewayProcess.RunToExitAsync(
            $"--Storage:Provider={provider}", $"--Storage:ConnectionString={UnusableConnectionString(kind)}");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Storage:ConnectionString", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A connection string holding a password: PostgreSQL on a loopback port nothing listens on (refused at once, no
    /// timeout), or with a keyword Npgsql does not know.
    /// </summary>
    private static string UnusableConnectionString(string kind) => kind == "unreachable"
        ? $"Host=127.0.0.1;Port={ClosedPort()};Username=app;Password={Secret};Database=cache"
        : $"Host=127.0.0.1;Username=app;Password={Secret};Databse=cache";

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static WebApplication BuildGateway(Dictionary<string, string?> settings) => GatewayBuilder.Build(settings);

    private static T FindInChain<T>(Exception? error)
        where T : Exception
    {
        Assert.NotNull(error);
        var found = Chain(error).OfType<T>().FirstOrDefault();
        Assert.True(found is not null, $"No {typeof(T).Name} in: {error}");
        return found;
    }

    private static IEnumerable<Exception> Chain(Exception error)
    {
        var pending = new Stack<Exception>([error]);
        while (pending.TryPop(out var current))
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Storage;
using PredictionCache.Silo.Storage;

namespace PredictionCache.Silo.Tests.Storage;

/// <summary>
/// Validation of the <c>Storage</c> section as the silo's host runs it at start-up (<see cref="StorageOptions.Validate"/>
/// and <see cref="StorageConnectionStringValidator"/>, as the silo's composition registers them): each failure names its
/// key, and none repeats the connection string, which may hold a password.
/// </summary>
public sealed class StorageOptionsTests
{
    private const string Password = "hunter2-s3cret";

    [Fact]
    public void Validate_UnknownProvider_NamesTheKeyTheValueAndTheChoices()
    {
        // Act
        var failures = Validate(new() { ["Storage:Provider"] = "mysql" });

        // Assert
        Assert.Equal(["Storage:Provider is 'mysql'; it must be one of: sqlite, postgres, memory."], failures);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Validate_PostgresWithoutConnectionString_NamesTheKey(string? connectionString)
    {
        // Act
        var failures = Validate(new() { ["Storage:Provider"] = "postgres", ["Storage:ConnectionString"] = connectionString });

        // Assert
        var failure = Assert.Single(failures);
        Assert.StartsWith("Storage:ConnectionString is empty; the postgres provider needs one", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres", $"Host=127.0.0.1;Username=app;Password={Password};Port=not-a-port")]
    [InlineData("postgres", $"Host=127.0.0.1;Username=app;Password={Password};No Such Keyword=1")]
    [InlineData("postgres", $"Host=127.0.0.1;Username=app;Password={Password};Pooling=perhaps")]
    [InlineData("postgres", $"Host=127.0.0.1;Username=app;Password={Password};Timeout")]
    [InlineData("postgres", $"Password={Password};Host=127.0.0.1;=")]
    [InlineData("postgres", $"Host=127.0.0.1;Username=app;Password='{Password}")]
    [InlineData("sqlite", $"Data Source=cache.db;Password={Password};Mode=Sideways")]
    [InlineData("sqlite", $"Data Source=cache.db;Password={Password};Cache=Huge")]
    [InlineData("sqlite", $"Data Source=cache.db;Password={Password};No Such Keyword=1")]
    public void Validate_MalformedConnectionString_NamesTheKeyAndNeverEchoesThePassword(string provider, string connectionString)
    {
        // Act
        var failures = Validate(new() { ["Storage:Provider"] = provider, ["Storage:ConnectionString"] = connectionString });

        // Assert
        var failure = Assert.Single(failures);
        Assert.StartsWith($"Storage:ConnectionString is not a valid {provider} connection string", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failure, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("s3cret", failure, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Validate_PasswordWithAnUnquotedSemicolon_NeverEchoesAnyPartOfIt()
    {
        // Arrange: "hunter2;s3cret" unquoted, so the parser sees a keyword "s3cret".
        var failures = Validate(new()
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = "Host=127.0.0.1;Username=app;Password=hunter2;s3cret=x",
        });

        // Assert
        var failure = Assert.Single(failures);
        Assert.StartsWith("Storage:ConnectionString is not a valid postgres connection string", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failure, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("s3cret", failure, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Validate_MaxWriteBatchOutOfRange_NamesTheKeyAndTheValue()
    {
        // Act
        var failures = Validate(new() { ["Storage:Provider"] = "memory", ["Storage:MaxWriteBatch"] = "0" });

        // Assert
        var failure = Assert.Single(failures);
        Assert.StartsWith("Storage:MaxWriteBatch is '0': ", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("memory", null)]
    [InlineData("sqlite", null)]
    [InlineData("SQLite", "Data Source=cache.db")]
    [InlineData("postgres", $"Host=127.0.0.1;Username=app;Password={Password};Database=predictioncache")]
    public void Validate_ValidSettings_Pass(string provider, string? connectionString)
    {
        // Act
        var failures = Validate(new() { ["Storage:Provider"] = provider, ["Storage:ConnectionString"] = connectionString });

        // Assert
        Assert.Empty(failures);
    }

    [Fact]
    public void EffectiveConnectionString_SqliteWithoutOne_IsTheDefaultFile()
    {
        // Arrange
        var options = new StorageOptions { Provider = "sqlite" };

        // Act and assert
        Assert.Equal("Data Source=data/predictioncache.db", options.EffectiveConnectionString);
        Assert.Null(new StorageOptions { Provider = "postgres" }.EffectiveConnectionString);
    }

    /// <summary>The failures the host's start-up validation reports for this configuration; none when it passes.</summary>
    private static IReadOnlyList<string> Validate(Dictionary<string, string?> settings)
    {
        using var host = SiloComposition.Build(settings);
        try
        {
            _ = host.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return [.. ex.Failures];
        }
    }
}

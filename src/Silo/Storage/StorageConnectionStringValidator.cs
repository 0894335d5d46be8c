using Microsoft.Extensions.Options;
using PredictionCache.Grains.Storage;

namespace PredictionCache.Silo.Storage;

/// <summary>
/// Checks at start-up that <c>Storage:ConnectionString</c> parses for its provider. The message never quotes it: the
/// parser's own message quotes keywords and values, and an unquoted ';' in a password makes the rest of the password a
/// "keyword" ("Couldn't set &lt;rest of password&gt;").
/// </summary>
internal sealed class StorageConnectionStringValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsDurable || options.EffectiveConnectionString is not { } connectionString ||
            !StorageOptions.SupportedProviders.Contains(options.Provider, StringComparer.OrdinalIgnoreCase))
        {
            return ValidateOptionsResult.Success;
        }

        try
        {
            _ = string.Equals(options.Provider, "sqlite", StringComparison.OrdinalIgnoreCase)
                ? (object)new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString)
                : new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            return ValidateOptionsResult.Success;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            return ValidateOptionsResult.Fail(
                $"Storage:ConnectionString is not a valid {options.Provider} connection string: a keyword is unknown, a value has " +
                "the wrong type, or the 'keyword=value;' format is broken (quote values holding ';'). The parser's message " +
                "is not shown, as it may quote part of the string.");
        }
    }
}

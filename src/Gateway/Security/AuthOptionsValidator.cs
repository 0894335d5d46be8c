using System.Buffers;
using System.Globalization;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Tenants;

namespace PredictionCache.Gateway.Security;

/// <summary>
/// Validates <see cref="AuthOptions"/> at start-up, each message naming the key, the value (never a secret, and not
/// a hash) and the rule; and refuses a gateway without keys on a non-loopback address unless
/// <c>Auth:AllowAnonymous</c> says so (<see cref="OpenOnNetworkMessage"/>).
/// </summary>
internal sealed class AuthOptionsValidator(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    /// <summary>The least requests per second a key may be given: one in about 17 minutes.</summary>
    public const double MinRequestsPerSecond = 0.001;

    /// <summary>The most requests per second and the largest burst a key may be given.</summary>
    public const int MaxRequestsPerSecond = 1_000_000;

    /// <inheritdoc cref="MaxRequestsPerSecond"/>
    public const int MaxBurst = 10_000_000;

    /// <summary>
    /// The refusal of an open gateway on the network (stable: scripts and the README quote it); <c>{0}</c> is the
    /// first non-loopback address.
    /// </summary>
    public const string OpenOnNetworkMessage =
        "Auth:Keys is empty and Auth:AllowAnonymous is false, but the gateway would listen on '{0}', which is not a loopback address: " +
        "refusing to start without API keys where the network can reach it. Configure Auth:Keys (the new-key command makes a key and its Sha256) " +
        "or set Auth:AllowAnonymous=true to serve without keys.";

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Keys.Count == 0)
        {
            if (!options.AllowAnonymous && ListenAddresses.Configured(configuration).FirstOrDefault(url => !ListenAddresses.IsLoopback(url)) is { } open)
            {
                failures.Add(string.Format(CultureInfo.InvariantCulture, OpenOnNetworkMessage, open));
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var hashes = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            var prefix = $"{AuthOptions.SectionName}:{nameof(AuthOptions.Keys)}:{i}";
            ValidateName(key, prefix, i, names, failures);
            ValidateTenant(key, prefix, failures);
            ValidateRoles(key, prefix, failures);
            ValidateSha256(key, prefix, i, hashes, failures);
            if (!(key.RequestsPerSecond is >= MinRequestsPerSecond and <= MaxRequestsPerSecond))
            {
                failures.Add(FormattableString.Invariant(
                    $"{prefix}:RequestsPerSecond is '{key.RequestsPerSecond}': it must be between {MinRequestsPerSecond} and {MaxRequestsPerSecond} (requests per second the key's bucket refills with)."));
            }

            if (key.Burst is { } burst and (< 1 or > MaxBurst))
            {
                failures.Add(FormattableString.Invariant(
                    $"{prefix}:Burst is '{burst}': it must be between 1 and {MaxBurst} (requests the key may make at once; unset: twice RequestsPerSecond)."));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateName(ApiKeyOptions key, string prefix, int index, Dictionary<string, int> names, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(key.Name))
        {
            failures.Add($"{prefix}:Name is empty: every key needs a name (unique; it names the key in logs, metrics and problems).");
        }
        else if (!names.TryAdd(key.Name, index))
        {
            failures.Add($"{prefix}:Name is '{key.Name}', as is {AuthOptions.SectionName}:Keys:{names[key.Name]}:Name: key names must be unique.");
        }
    }

    private static void ValidateTenant(ApiKeyOptions key, string prefix, List<string> failures)
    {
        if (!string.IsNullOrEmpty(key.Tenant) && !TenantName.IsValid(key.Tenant))
        {
            failures.Add($"{prefix}:Tenant is '{key.Tenant}': {TenantName.Rule} (Empty: a global key.)");
        }
    }

    private static void ValidateRoles(ApiKeyOptions key, string prefix, List<string> failures)
    {
        if (key.Roles.Count == 0)
        {
            failures.Add($"{prefix}:Roles is empty: give the key at least one of '{ApiKeyDefaults.Predict}' and '{ApiKeyDefaults.Admin}'.");
        }

        for (var r = 0; r < key.Roles.Count; r++)
        {
            if (key.Roles[r] is not (ApiKeyDefaults.Predict or ApiKeyDefaults.Admin))
            {
                failures.Add($"{prefix}:Roles:{r} is '{key.Roles[r]}': the roles are '{ApiKeyDefaults.Predict}' and '{ApiKeyDefaults.Admin}'.");
            }
        }
    }

    /// <summary>The hash is not echoed: it is no secret, but a message is no place to copy one from.</summary>
    private static void ValidateSha256(ApiKeyOptions key, string prefix, int index, Dictionary<string, int> hashes, List<string> failures)
    {
        var hash = key.Sha256 ?? "";
        if (hash.Length != 64 || hash.AsSpan().ContainsAnyExcept(HexDigits))
        {
            var what = hash.Length switch
            {
                0 => "empty",
                64 => "64 characters long with a non-hexadecimal one",
                _ => string.Create(CultureInfo.InvariantCulture, $"{hash.Length} characters long"),
            };
            failures.Add(
                $"{prefix}:Sha256 is {what}: it must be the 64 hexadecimal characters of the SHA-256 of the key's UTF-8 bytes " +
                "(printf %s \"$KEY\" | sha256sum, or the new-key command).");
        }
        else if (!hashes.TryAdd(hash, index))
        {
            failures.Add($"{prefix}:Sha256 is the same as {AuthOptions.SectionName}:Keys:{hashes[hash]}:Sha256: each key needs a secret of its own.");
        }
    }
}

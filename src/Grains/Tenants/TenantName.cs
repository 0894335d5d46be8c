namespace PredictionCache.Grains.Tenants;

/// <summary>What a tenant's name may be: it is stored in every row of the tenant's and compared byte for byte.</summary>
public static class TenantName
{
    /// <summary>The longest name.</summary>
    public const int MaxLength = 64;

    /// <summary>The rule, as a validation message says it.</summary>
    public const string Rule = "a tenant is 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'.";

    /// <summary>True for a valid tenant name (the empty name, no tenant, is not one).</summary>
    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength } &&
        name.AsSpan().IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") < 0;
}

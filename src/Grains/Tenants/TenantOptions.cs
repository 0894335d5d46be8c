using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Grains.Tenants;

/// <summary>
/// Each tenant's limits on a silo (section <c>Tenants</c>): the defaults every tenant gets, and a tenant's own in
/// <see cref="Limits"/>. Per silo, like <c>Cache:MaxEntries</c>: a cluster of N silos holds N times as much. Requests
/// of no tenant (a global key, a shared model, an open gateway) are bound by the cache's own limits only.
/// </summary>
public sealed class TenantOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Tenants";

    /// <summary>
    /// <value>Inferences of one tenant in flight (queued or running) on a silo; a miss beyond it is refused with
    /// <c>503</c> and <c>Retry-After</c>, and other tenants are unaffected. Range 1–1,000,000; default 64.</value>
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxInflight { get; set; } = 64;

    /// <summary>
    /// <value>Entries one tenant holds in memory on a silo, its share of <c>Cache:MaxEntries</c>; 0 means all of it. Beyond
    /// its share a tenant evicts its own least recently used entries; when the silo is full, the tenant furthest over its
    /// share (by default the largest) evicts first. Range 0–100,000,000; default 0.</value>
    /// </summary>
    [Range(0, 100_000_000)]
    public int MaxEntries { get; set; }

    /// <summary><value>Tenants with limits of their own (<c>Tenants:Limits:N:Name</c>, <c>MaxInflight</c>, <c>MaxEntries</c>); default none.</value></summary>
    public List<TenantLimits> Limits { get; set; } = [];

    /// <summary>The limits of <paramref name="tenant"/>: its own where given, else the defaults.</summary>
    public (int MaxInflight, int MaxEntries) LimitsOf(string tenant)
    {
        foreach (var limits in Limits)
        {
            if (string.Equals(limits.Name, tenant, StringComparison.Ordinal))
            {
                return (limits.MaxInflight ?? MaxInflight, limits.MaxEntries ?? MaxEntries);
            }
        }

        return (MaxInflight, MaxEntries);
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Limits.Count; i++)
        {
            var limits = Limits[i];
            var key = $"{SectionName}:Limits:{i}";
            if (!TenantName.IsValid(limits.Name))
            {
                yield return new ValidationResult($"{key}:Name is '{limits.Name}': {TenantName.Rule}", [nameof(Limits)]);
            }
            else if (!names.Add(limits.Name!))
            {
                yield return new ValidationResult($"{key}:Name is '{limits.Name}': each tenant's limits are given once.", [nameof(Limits)]);
            }

            if (limits.MaxInflight is < 1 or > 1_000_000)
            {
                yield return new ValidationResult($"{key}:MaxInflight is '{limits.MaxInflight}': it must be between 1 and 1000000.", [nameof(Limits)]);
            }

            if (limits.MaxEntries is < 0 or > 100_000_000)
            {
                yield return new ValidationResult($"{key}:MaxEntries is '{limits.MaxEntries}': it must be between 0 and 100000000.", [nameof(Limits)]);
            }
        }
    }
}

/// <summary>One tenant's own limits (<c>Tenants:Limits:N</c>); an unset value takes the default.</summary>
public sealed class TenantLimits
{
    /// <summary><value>The tenant, as API keys name it (<c>Auth:Keys:N:Tenant</c>). Required.</value></summary>
    public string? Name { get; set; }

    /// <summary><value>Its inferences in flight on a silo; unset: <c>Tenants:MaxInflight</c>.</value></summary>
    public int? MaxInflight { get; set; }

    /// <summary><value>Its entries in memory on a silo; 0 means all of <c>Cache:MaxEntries</c>; unset: <c>Tenants:MaxEntries</c>.</value></summary>
    public int? MaxEntries { get; set; }
}

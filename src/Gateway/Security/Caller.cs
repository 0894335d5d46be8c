namespace PredictionCache.Gateway.Security;

/// <summary>
/// Who sent a request, as its API key says: the key's name (for logs and metrics, never the secret), its tenant and
/// whether it may administer. Set on the request by authentication; with no keys configured every caller is
/// <see cref="Anonymous"/>.
/// </summary>
/// <param name="Name">The key's name.</param>
/// <param name="Tenant">The key's tenant; empty for a global key, which sees every tenant.</param>
/// <param name="IsAdmin">True when the key has the <c>admin</c> role.</param>
internal sealed record Caller(string Name, string Tenant, bool IsAdmin)
{
    /// <summary>The caller of a gateway with no keys configured (open on loopback, or <c>Auth:AllowAnonymous</c>): a global admin.</summary>
    public static readonly Caller Anonymous = new("anonymous", "", IsAdmin: true);

    /// <summary>True for a key of no tenant: it sees and clears every tenant's entries and jobs.</summary>
    public bool IsGlobal => Tenant.Length == 0;

    /// <summary>True when this caller may see or remove what belongs to <paramref name="tenant"/>.</summary>
    public bool Sees(string tenant) => IsGlobal || string.Equals(Tenant, tenant, StringComparison.Ordinal);
}

using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace PredictionCache.Gateway.Security;

/// <summary>
/// A configured key as the gateway uses it on every request: the SHA-256 it is checked against, and what a match
/// yields, all built once at start-up (the caller, the principal and the authentication result), so a request with a
/// known key allocates nothing of its own for them. Nothing mutates the shared principal: the gateway registers no
/// claims transformation.
/// </summary>
internal sealed class ApiKey
{
    public ApiKey(ApiKeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Name = options.Name;
        Hash = Convert.FromHexString(options.Sha256);
        RequestsPerSecond = options.RequestsPerSecond;
        Burst = options.Burst ?? (int)Math.Clamp(Math.Ceiling(2 * options.RequestsPerSecond), 1, AuthOptionsValidator.MaxBurst);
        var tenant = options.Tenant ?? "";
        var roles = options.Roles.Distinct(StringComparer.Ordinal).ToArray();
        Caller = new Caller(Name, tenant, roles.Contains(ApiKeyDefaults.Admin));
        Claim[] claims =
        [
            new(ClaimTypes.Name, Name),
            new(ApiKeyDefaults.TenantClaim, tenant),
            .. roles.Select(role => new Claim(ClaimTypes.Role, role)),
        ];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, ApiKeyDefaults.Scheme, ClaimTypes.Name, ClaimTypes.Role));
        Authenticated = AuthenticateResult.Success(new AuthenticationTicket(principal, ApiKeyDefaults.Scheme));
    }

    /// <summary>The key's name (<c>Auth:Keys:N:Name</c>): the rate limiter's partition, and what logs and problems say.</summary>
    public string Name { get; }

    /// <summary>The SHA-256 of the key's UTF-8 bytes (32 bytes).</summary>
    public byte[] Hash { get; }

    /// <summary>The rate its token bucket refills with, per second.</summary>
    public double RequestsPerSecond { get; }

    /// <summary>The size of its token bucket.</summary>
    public int Burst { get; }

    /// <summary>Who calls with this key, as <see cref="CallerExtensions.GetCaller"/> returns it.</summary>
    public Caller Caller { get; }

    /// <summary>The authentication's success: the principal with the key's name, roles and tenant.</summary>
    public AuthenticateResult Authenticated { get; }
}

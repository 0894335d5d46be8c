namespace PredictionCache.Gateway.Security;

/// <summary>One API key (<c>Auth:Keys:N</c>): its name, tenant, roles, the SHA-256 of its secret and its rate limit.</summary>
public sealed class ApiKeyOptions
{
    /// <summary><value>The key's name, for logs, metrics and problems (never the secret). Required, unique.</value></summary>
    public string Name { get; set; } = "";

    /// <summary>
    /// <value>The key's tenant: 1–64 characters of <c>A–Z a–z 0–9 . _ -</c>. Empty (default): a global key, which sees every tenant.</value>
    /// </summary>
    public string Tenant { get; set; } = "";

    /// <summary><value><c>predict</c> (predictions, jobs, stats, models) and/or <c>admin</c> (everything). At least one.</value></summary>
    public IList<string> Roles { get; } = [];

    /// <summary>
    /// <value>
    /// The SHA-256 of the key's UTF-8 bytes, 64 hexadecimal characters (<c>printf %s "$KEY" | sha256sum</c>, or
    /// <c>new-key</c>). Required, unique. The secret itself is never configured.
    /// </value>
    /// </summary>
    public string Sha256 { get; set; } = "";

    /// <summary><value>Requests per second the key's token bucket refills with (fractions allowed: 0.5 is one every 2 s). Range 0.001–1,000,000; default 100.</value></summary>
    public double RequestsPerSecond { get; set; } = 100;

    /// <summary><value>Requests the key may make at once (the bucket's size). Range 1–10,000,000; default twice <see cref="RequestsPerSecond"/>, at least 1.</value></summary>
    public int? Burst { get; set; }
}

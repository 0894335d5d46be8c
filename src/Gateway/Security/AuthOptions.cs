namespace PredictionCache.Gateway.Security;

/// <summary>API keys and who may call the gateway (section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Auth";

    /// <summary>
    /// <value>
    /// With no <see cref="Keys"/>: true lets the gateway serve without keys on a non-loopback address (behind a proxy
    /// that authenticates, or on a trusted network); false (default) stops it at start-up there. No effect once keys
    /// are configured: then every call but health and the API description needs one.
    /// </value>
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// <value>The API keys (<c>Auth:Keys:N:*</c>). Empty (default): no key is asked for (open, loopback only unless <see cref="AllowAnonymous"/>).</value>
    /// </summary>
    public IList<ApiKeyOptions> Keys { get; } = [];
}

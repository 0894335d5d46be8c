namespace PredictionCache.Gateway.Security;

/// <summary>
/// Whether <c>Auth:Keys</c> holds any key, as read when the services were registered: with none, no authentication,
/// authorization or rate-limiting service or middleware exists at all and every caller is <see cref="Caller.Anonymous"/>.
/// </summary>
/// <param name="KeysConfigured">True when at least one key is configured.</param>
internal sealed record SecurityMode(bool KeysConfigured);

namespace PredictionCache.Gateway.Security;

/// <summary>The caller of a request, for the endpoints' handlers.</summary>
internal static class CallerExtensions
{
    /// <summary>
    /// The caller the request's API key names (set by <see cref="ApiKeyAuthentication"/> on the request's features:
    /// one feature lookup), or <see cref="Caller.Anonymous"/> when no keys are configured.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Keys are configured and the request is not authenticated: the endpoint was mapped without an authorization policy
    /// (a bug, never a client's error).
    /// </exception>
    public static Caller GetCaller(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<Caller>() is { } caller)
        {
            return caller;
        }

        return context.RequestServices.GetRequiredService<SecurityMode>().KeysConfigured
            ? throw new InvalidOperationException(
                $"{context.Request.Method} {context.Request.Path} has no authenticated caller although Auth:Keys are configured: its endpoint needs RequireAuthorization with the '{ApiKeyDefaults.Predict}' or '{ApiKeyDefaults.Admin}' policy.")
            : Caller.Anonymous;
    }
}

namespace PredictionCache.Gateway.Security;

/// <summary>The request's <see cref="Caller"/>.</summary>
internal static class CallerExtensions
{
    /// <summary>The caller authentication set on the request; <see cref="Caller.Anonymous"/> on a gateway without keys.</summary>
    public static Caller GetCaller(this HttpContext context) => context.Features.Get<Caller>() ?? Caller.Anonymous;
}

namespace PredictionCache.Gateway.Dashboard;

/// <summary>
/// The security headers on every response of the dashboards (pages, assets, data, a 401 too): a
/// <c>Content-Security-Policy</c> that allows no inline script and no framing, <c>X-Content-Type-Options: nosniff</c>
/// and <c>Referrer-Policy: no-referrer</c> (the address may carry the API key in its query).
/// </summary>
internal static class DashboardSecurityHeaders
{
    /// <summary>
    /// Our dashboard: its own script, style sheet and data, nothing else: no inline script or style, no plugins, no forms,
    /// no frames or framing.
    /// </summary>
    public const string PagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; " +
        "frame-ancestors 'none'";

    /// <summary>
    /// The Orleans Dashboard: its bundled script from its own origin (it needs no inline script and no eval), its style
    /// sheet, and the images and fonts that style sheet embeds as <c>data:</c> URLs. Its page has a <c>style</c>
    /// attribute and its lifecycle diagram styles its elements inline, so style needs <c>'unsafe-inline'</c>, which runs
    /// no script.
    /// </summary>
    public const string OrleansPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
        "img-src 'self' data:; font-src 'self' data:; base-uri 'self'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>
    /// Puts the headers on every response under <c>/dashboard</c> (the Orleans Dashboard's policy under its prefix), ahead
    /// of authentication, so that a <c>401</c> or <c>403</c> carries them too. Mapped only when the dashboards are.
    /// </summary>
    public static WebApplication UseDashboardSecurityHeaders(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DashboardOptions>>().Value.Enabled)
        {
            return app;
        }

        app.Use(static (context, next) =>
        {
            var path = context.Request.Path;
            if (path.StartsWithSegments("/dashboard", StringComparison.OrdinalIgnoreCase))
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = path.StartsWithSegments(DashboardEndpoints.OrleansPrefix, StringComparison.OrdinalIgnoreCase)
                    ? OrleansPolicy
                    : PagePolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
            }

            return next(context);
        });
        return app;
    }
}

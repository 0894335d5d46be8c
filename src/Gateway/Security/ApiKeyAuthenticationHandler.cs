using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using PredictionCache.Gateway.Infrastructure;

namespace PredictionCache.Gateway.Security;

/// <summary>
/// The API-key scheme: a key in <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key</c> (and, under
/// <c>/dashboard</c> only, in the <c>api_key</c> query parameter, which then sets an HTTP-only cookie, or in that
/// cookie), checked against the configured hashes (<see cref="ApiKeyRing"/>). A match puts the key's
/// <see cref="Caller"/> on the request's features. Challenges are <c>401</c> and forbids <c>403</c>, as problem+json;
/// no problem, log line or exception ever holds the presented key.
/// </summary>
internal sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyRing ring)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string HowToSend = "Send a key as 'Authorization: Bearer <key>' or in the X-Api-Key header";

    private static readonly AuthenticateResult Unknown = AuthenticateResult.Fail($"The API key is not valid. {HowToSend}.");

    private static readonly AuthenticateResult WrongScheme = AuthenticateResult.Fail($"The Authorization header is not 'Bearer <key>'. {HowToSend}.");

    private static readonly AuthenticateResult Malformed = AuthenticateResult.Fail($"The API key is empty or sent more than once. {HowToSend}.");

    private static readonly Task<AuthenticateResult> None = Task.FromResult(AuthenticateResult.NoResult());

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var request = Request;
        var presented = Read(request, out var fromQuery);
        if (presented.Failure is { } failure)
        {
            return Task.FromResult(failure);
        }

        if (presented.Key is not { } value)
        {
            return None;
        }

        if (!ring.TryFind(value.AsSpan().Trim(), out var key))
        {
            return Task.FromResult(Unknown);
        }

        Context.Features.Set(key.Caller);
        if (fromQuery)
        {
            // A browser's address bar: the dashboards' own requests (scripts, API calls) carry the cookie instead.
            Response.Cookies.Append(ApiKeyDefaults.Cookie, value, new CookieOptions
            {
                Path = ApiKeyDefaults.DashboardPath,
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = request.IsHttps,
            });
        }

        LogAuthenticated(Logger, key.Name);
        return Task.FromResult(key.Authenticated);
    }

    /// <summary><c>401</c>, <c>WWW-Authenticate: Bearer</c> and a problem saying what was wrong (never the key).</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var detail = result.Failure?.Message
            ?? (IsDashboard(Request)
                ? $"The request carries no API key. {HowToSend}, or open the page with ?{ApiKeyDefaults.Query}=<key>."
                : $"The request carries no API key. {HowToSend}.");
        Response.Headers.WWWAuthenticate = result.Failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        LogRefused(Logger, Request.Method, Request.Path, detail);
        await Problems.Unauthorized(detail).ExecuteAsync(Context);
    }

    /// <summary><c>403</c> and a problem naming the key and the role it lacks.</summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var name = Context.Features.Get<Caller>()?.Name ?? "(unknown)";
        var policies = Context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>() ?? [];
        var role = policies.Any(p => p.Policy == ApiKeyDefaults.GlobalAdmin) ? $"the '{ApiKeyDefaults.Admin}' role and no tenant"
            : policies.Any(p => p.Policy == ApiKeyDefaults.Admin) ? $"the '{ApiKeyDefaults.Admin}' role"
            : $"the '{ApiKeyDefaults.Predict}' or '{ApiKeyDefaults.Admin}' role";
        LogForbidden(Logger, name, Request.Method, Request.Path, role);
        return Problems.Forbidden($"The API key '{name}' may not call {Request.Method} {Request.Path}: it needs {role}.").ExecuteAsync(Context);
    }

    /// <summary>
    /// The key from the headers (<c>Authorization</c> first), then, under <c>/dashboard</c>, the query and the cookie:
    /// a key, a failure, or neither (no key at all).
    /// </summary>
    private static (string? Key, AuthenticateResult? Failure) Read(HttpRequest request, out bool fromQuery)
    {
        fromQuery = false;
        var headers = request.Headers;
        var authorization = headers.Authorization;
        if (!StringValues.IsNullOrEmpty(authorization))
        {
            if (authorization.Count > 1)
            {
                return (null, Malformed);
            }

            var value = authorization.ToString();
            if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return (null, WrongScheme);
            }

            return IsBlank(value.AsSpan(7)) ? (null, Malformed) : (value[7..], null);
        }

        if (Single(headers[ApiKeyDefaults.Header]) is { } header)
        {
            return header;
        }

        if (!IsDashboard(request))
        {
            return (null, null);
        }

        if (Single(request.Query[ApiKeyDefaults.Query]) is { } query)
        {
            fromQuery = query.Failure is null;
            return query;
        }

        return request.Cookies[ApiKeyDefaults.Cookie] is { Length: > 0 } cookie ? (cookie, null) : (null, null);
    }

    private static (string? Key, AuthenticateResult? Failure)? Single(StringValues values) => values.Count switch
    {
        0 => null,
        1 when !IsBlank(values[0]) => (values[0], null),
        _ => (null, Malformed),
    };

    private static bool IsBlank(ReadOnlySpan<char> value) => value.Trim().IsEmpty;

    private static bool IsDashboard(HttpRequest request) => request.Path.StartsWithSegments(ApiKeyDefaults.DashboardPath, StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request authenticated with the API key {KeyName}")]
    private static partial void LogAuthenticated(ILogger logger, string keyName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} refused (401): {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, PathString path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} refused to the API key {KeyName} (403): it needs {Role}")]
    private static partial void LogForbidden(ILogger logger, string keyName, string method, PathString path, string role);
}

using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Primitives;
using PredictionCache.Gateway.Infrastructure;

namespace PredictionCache.Gateway.Security;

/// <summary>
/// API keys on the request path: a key in <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key</c> (and, under
/// <c>/dashboard</c> only, in the <c>api_key</c> query parameter, which then sets an HTTP-only cookie, or in that
/// cookie), checked against the configured hashes (<see cref="ApiKeyRing"/>). A match puts the key's principal on
/// <see cref="HttpContext.User"/>, which ASP.NET Core's authorization reads, and its <see cref="Caller"/> on the
/// features; the request pays for one hash and one lookup, and no authentication handler is made for it. As
/// authorization's result handler (<see cref="IAuthorizationMiddlewareResultHandler"/>) it answers a challenge with
/// <c>401</c> and a forbid with <c>403</c>, as problem+json; no problem, log line or exception ever holds the presented key.
/// </summary>
internal sealed partial class ApiKeyAuthentication(ILogger<ApiKeyAuthentication> logger) : IAuthorizationMiddlewareResultHandler
{
    private const string HowToSend = "Send a key as 'Authorization: Bearer <key>' or in the X-Api-Key header";

    private static readonly AuthenticateResult Unknown = AuthenticateResult.Fail($"The API key is not valid. {HowToSend}.");

    private static readonly AuthenticateResult WrongScheme = AuthenticateResult.Fail($"The Authorization header is not 'Bearer <key>'. {HowToSend}.");

    private static readonly AuthenticateResult Malformed = AuthenticateResult.Fail($"The API key is empty or sent more than once. {HowToSend}.");

    /// <summary>
    /// The key the request carries, checked: success (the caller set on the request, and a key that came in the
    /// dashboard's query kept in its cookie), a failure saying what was wrong, or no result when there is no key.
    /// </summary>
    internal static AuthenticateResult Authenticate(HttpContext context, ApiKeyRing ring)
    {
        var request = context.Request;
        var presented = Read(request, out var fromQuery);
        if (presented.Failure is { } failure)
        {
            return Refuse(context, failure);
        }

        if (presented.Key is not { } value)
        {
            return AuthenticateResult.NoResult();
        }

        if (!ring.TryFind(value.AsSpan().Trim(), out var key))
        {
            return Refuse(context, Unknown);
        }

        context.Features.Set(key.Caller);
        if (fromQuery)
        {
            // A browser's address bar: the dashboards' own requests (scripts, API calls) carry the cookie instead.
            context.Response.Cookies.Append(ApiKeyDefaults.Cookie, value, new CookieOptions
            {
                Path = ApiKeyDefaults.DashboardPath,
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = request.IsHttps,
            });
        }

        return key.Authenticated;
    }

    /// <summary>
    /// Authorization's outcome: on success the endpoint runs; a request with no valid key gets <c>401</c>,
    /// <c>WWW-Authenticate: Bearer</c> and a problem saying what was wrong (never the key); a key without the role the
    /// endpoint needs gets <c>403</c> and a problem naming the key and the role.
    /// </summary>
    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Succeeded)
        {
            return next(context);
        }

        var request = context.Request;
        if (context.Features.Get<Caller>() is not { } caller)
        {
            var failure = context.Features.Get<AuthenticateResult>()?.Failure;
            var detail = failure?.Message
                ?? (IsDashboard(request)
                    ? $"The request carries no API key. {HowToSend}, or open the page with ?{ApiKeyDefaults.Query}=<key>."
                    : $"The request carries no API key. {HowToSend}.");
            context.Response.Headers.WWWAuthenticate = failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
            LogRefused(logger, request.Method, request.Path, detail);
            return Problems.Unauthorized(detail).ExecuteAsync(context);
        }

        var policies = context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>() ?? [];
        var role = policies.Any(p => p.Policy == ApiKeyDefaults.GlobalAdmin) ? $"the '{ApiKeyDefaults.Admin}' role and no tenant"
            : policies.Any(p => p.Policy == ApiKeyDefaults.Admin) ? $"the '{ApiKeyDefaults.Admin}' role"
            : $"the '{ApiKeyDefaults.Predict}' or '{ApiKeyDefaults.Admin}' role";
        LogForbidden(logger, caller.Name, request.Method, request.Path, role);
        return Problems.Forbidden($"The API key '{caller.Name}' may not call {request.Method} {request.Path}: it needs {role}.").ExecuteAsync(context);
    }

    /// <summary>Remembers why the request's key was refused, for the <c>401</c>'s detail.</summary>
    private static AuthenticateResult Refuse(HttpContext context, AuthenticateResult failure)
    {
        context.Features.Set(failure);
        return failure;
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} refused (401): {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, PathString path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} refused to the API key {KeyName} (403): it needs {Role}")]
    private static partial void LogForbidden(ILogger logger, string keyName, string method, PathString path, string role);
}

using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Primitives;
using PredictionCache.Gateway.Infrastructure;

namespace PredictionCache.Gateway.Security;

/// <summary>
/// API keys on the request path, in one middleware: a key in <c>Authorization: Bearer &lt;key&gt;</c> or
/// <c>X-Api-Key</c> (and, under <c>/dashboard</c> only, in the <c>api_key</c> query parameter, which then sets an
/// HTTP-only cookie, or in that cookie) is checked against the configured hashes (<see cref="ApiKeyRing"/>), and the
/// endpoint's <c>RequireAuthorization(policy)</c> against the key's roles and tenant (<see cref="ApiKeyDefaults"/>'s
/// policies; an endpoint that names none needs a key, one marked <c>AllowAnonymous</c> none). A request pays for one
/// hash, one lookup and the metadata the endpoint already holds: no authentication handler, scope, principal or policy
/// evaluation is made for it. No key, or a bad one: <c>401</c>; a key without the role: <c>403</c>; as problem+json, and
/// no problem, log line or exception ever holds the presented key.
/// </summary>
internal sealed partial class ApiKeyAuthentication(ApiKeyRing ring, ILogger<ApiKeyAuthentication> logger)
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

    /// <summary>Authenticates the request, and lets it through when its endpoint allows its key; else answers 401 or 403.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var result = Authenticate(context, ring);
        var metadata = context.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<IAllowAnonymous>() is not null)
        {
            return next(context);
        }

        var request = context.Request;
        if (context.Features.Get<Caller>() is not { } caller)
        {
            var failure = result.Failure;
            var detail = failure?.Message
                ?? (IsDashboard(request)
                    ? $"The request carries no API key. {HowToSend}, or open the page with ?{ApiKeyDefaults.Query}=<key>."
                    : $"The request carries no API key. {HowToSend}.");
            context.Response.Headers.WWWAuthenticate = failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
            LogRefused(logger, request.Method, request.Path, detail);
            return Problems.Unauthorized(detail).ExecuteAsync(context);
        }

        // Every key has a role, and either role may predict: only admin policies can refuse a key.
        var policies = metadata?.GetOrderedMetadata<IAuthorizeData>() ?? [];
        var needs = Strictest(policies);
        if (needs == ApiKeyDefaults.Predict || (caller.IsAdmin && (needs == ApiKeyDefaults.Admin || caller.IsGlobal)))
        {
            return next(context);
        }

        var role = needs == ApiKeyDefaults.GlobalAdmin ? $"the '{ApiKeyDefaults.Admin}' role and no tenant" : $"the '{ApiKeyDefaults.Admin}' role";
        LogForbidden(logger, caller.Name, request.Method, request.Path, role);
        return Problems.Forbidden($"The API key '{caller.Name}' may not call {request.Method} {request.Path}: it needs {role}.").ExecuteAsync(context);
    }

    /// <summary>The strictest of the endpoint's policies (<see cref="ApiKeyDefaults.Predict"/> when it names none: any key).</summary>
    private static string Strictest(IReadOnlyList<IAuthorizeData> policies)
    {
        var needs = ApiKeyDefaults.Predict;
        foreach (var data in policies)
        {
            switch (data.Policy)
            {
                case ApiKeyDefaults.GlobalAdmin:
                    return ApiKeyDefaults.GlobalAdmin;
                case ApiKeyDefaults.Admin:
                    needs = ApiKeyDefaults.Admin;
                    break;
                case null or ApiKeyDefaults.Predict:
                    break;
                default:
                    throw new InvalidOperationException($"The policy '{data.Policy}' is not one of the API keys' policies.");
            }
        }

        return needs;
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

using System.Globalization;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using PredictionCache.Grains.Prediction;

namespace PredictionCache.Gateway.Predict;

/// <summary>Reads the request headers that steer caching: <c>Cache-Control</c> (RFC 9111) and <c>Prefer: wait</c> (RFC 7240).</summary>
internal static class RequestDirectives
{
    /// <summary>
    /// The cache directives of <c>Cache-Control</c>. Each directive is read on its own, so an unknown or malformed one
    /// is ignored (RFC 9111 §5.2) without taking its well-formed neighbours with it: <c>max-age=soon, only-if-cached</c>
    /// still means only-if-cached. Of several <c>max-age</c>s or <c>max-stale</c>s the strictest wins; <c>max-stale</c>
    /// without a value accepts any staleness (within the cache's grace).
    /// </summary>
    public static CacheDirectives ParseCacheControl(StringValues header)
    {
        var directives = default(CacheDirectives);
        foreach (var line in header)
        {
            foreach (var part in (line ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!CacheControlHeaderValue.TryParse(part, out var value) || value is null)
                {
                    continue;
                }

                directives = new CacheDirectives(
                    NoCache: directives.NoCache || value.NoCache,
                    NoStore: directives.NoStore || value.NoStore,
                    MaxAge: value.MaxAge is { } maxAge && (directives.MaxAge is not { } current || maxAge < current) ? maxAge : directives.MaxAge,
                    OnlyIfCached: directives.OnlyIfCached || value.OnlyIfCached,
                    MaxStale: Strictest(directives.MaxStale, value.MaxStale ? value.MaxStaleLimit ?? TimeSpan.MaxValue : null));
            }
        }

        return directives;
    }

    private static TimeSpan? Strictest(TimeSpan? current, TimeSpan? next) =>
        next is { } value && (current is not { } known || value < known) ? value : current;

    /// <summary>The <c>wait</c> preference in seconds, cut to <paramref name="maxSeconds"/>; null when absent or malformed.</summary>
    public static int? ParsePreferWait(StringValues header, int maxSeconds)
    {
        foreach (var line in header)
        {
            foreach (var part in (line ?? "").Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
                if (pair.Length == 2 && pair[0].Equals("wait", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(pair[1].Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    return Math.Min(seconds, maxSeconds);
                }
            }
        }

        return null;
    }
}

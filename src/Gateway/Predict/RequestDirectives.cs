using System.Globalization;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using PredictionCache.Grains.Prediction;

namespace PredictionCache.Gateway.Predict;

/// <summary>Reads the request headers that steer caching: <c>Cache-Control</c> (RFC 9111) and <c>Prefer: wait</c> (RFC 7240).</summary>
internal static class RequestDirectives
{
    /// <summary>The cache directives of <c>Cache-Control</c>; unknown or malformed directives are ignored, as RFC 9111 asks.</summary>
    public static CacheDirectives ParseCacheControl(StringValues header)
    {
        if (StringValues.IsNullOrEmpty(header) || !CacheControlHeaderValue.TryParse(header.ToString(), out var value) || value is null)
        {
            return default;
        }

        return new CacheDirectives(
            NoCache: value.NoCache,
            NoStore: value.NoStore,
            MaxAge: value.MaxAge,
            OnlyIfCached: value.OnlyIfCached);
    }

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

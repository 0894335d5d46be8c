using System.Diagnostics.Metrics;
using PredictionCache.Grains.Telemetry;

namespace PredictionCache.Gateway.Security;

/// <summary>
/// The security layer's instrument, on the cache's meter: requests refused by a key's rate limit, by key name. Counted
/// only on a refusal, so an admitted request costs no instrument call.
/// </summary>
internal sealed class SecurityMetrics
{
    private readonly Counter<long> _rateLimited;

    public SecurityMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _rateLimited = meterFactory.Create(CacheMetrics.MeterName).CreateCounter<long>(
            "predictioncache.requests.rate_limited", "{request}", "Requests refused with 429 because their API key was over its rate limit, by key name.");
    }

    /// <summary>Counts one request of <paramref name="keyName"/> refused by its rate limit.</summary>
    public void RateLimited(string keyName) => _rateLimited.Add(1, new KeyValuePair<string, object?>("key.name", keyName));
}

using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>API keys for the gateway's tests: their <c>Auth:Keys</c> settings and requests that carry them.</summary>
internal static class TestKeys
{
    /// <summary>A <c>predict</c> key (name <c>reader</c>).</summary>
    public const string Predict = "pck_test-predict-key-0001";

    /// <summary>An <c>admin</c> key (name <c>ops</c>).</summary>
    public const string Admin = "pck_test-admin-key-0002";

    /// <summary>The two keys above, with rate limits no test reaches.</summary>
    public static Dictionary<string, string?> Settings() => Settings(
        new Key("reader", Predict, ["predict"]),
        new Key("ops", Admin, ["admin"]));

    /// <summary><c>Auth:Keys:N:*</c> for <paramref name="keys"/>, in order.</summary>
    public static Dictionary<string, string?> Settings(params Key[] keys)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < keys.Length; i++)
        {
            var (name, secret, roles, tenant, requestsPerSecond, burst) = keys[i];
            var prefix = string.Create(CultureInfo.InvariantCulture, $"Auth:Keys:{i}");
            settings[$"{prefix}:Name"] = name;
            settings[$"{prefix}:Sha256"] = Sha256(secret);
            settings[$"{prefix}:Tenant"] = tenant;
            settings[$"{prefix}:RequestsPerSecond"] = (requestsPerSecond ?? 100_000).ToString(CultureInfo.InvariantCulture);
            if (burst is { } size)
            {
                settings[$"{prefix}:Burst"] = size.ToString(CultureInfo.InvariantCulture);
            }

            for (var r = 0; r < roles.Length; r++)
            {
                settings[string.Create(CultureInfo.InvariantCulture, $"{prefix}:Roles:{r}")] = roles[r];
            }
        }

        return settings;
    }

    public static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A request with <paramref name="key"/> as <c>Authorization: Bearer</c>.</summary>
    public static HttpRequestMessage Bearer(HttpMethod method, string path, string key) =>
        new(method, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", key) } };

    /// <summary>A request with <paramref name="key"/> in <c>X-Api-Key</c>.</summary>
    public static HttpRequestMessage Header(HttpMethod method, string path, string key) =>
        new(method, path) { Headers = { { "X-Api-Key", key } } };

    /// <summary><c>POST /predict</c> with <paramref name="key"/> in <c>X-Api-Key</c>; <paramref name="wait"/>: with <c>Prefer: wait=30</c>.</summary>
    public static Task<HttpResponseMessage> PredictWithKeyAsync(
        this HttpClient client, string key, string text, string? model = null, bool wait = false, params (string Name, string Value)[] headers)
    {
        (string, string)[] all = [("X-Api-Key", key), .. wait ? [("Prefer", "wait=30")] : Array.Empty<(string, string)>(), .. headers];
        return client.SendAsync(GatewayHttp.PredictRequest(text, model, all));
    }

    /// <summary>A body-less request to <paramref name="path"/> with <paramref name="key"/> in <c>X-Api-Key</c>.</summary>
    public static Task<HttpResponseMessage> SendWithKeyAsync(this HttpClient client, HttpMethod method, string path, string key) =>
        client.SendAsync(Header(method, path, key));

    /// <summary>A configured key.</summary>
    /// <param name="Name">Its name.</param>
    /// <param name="Secret">The key itself; its SHA-256 is configured.</param>
    /// <param name="Roles">Its roles.</param>
    /// <param name="Tenant">Its tenant (empty: global).</param>
    /// <param name="RequestsPerSecond">Its rate; null: far more than any test sends.</param>
    /// <param name="Burst">Its burst; null: the default.</param>
    public sealed record Key(string Name, string Secret, string[] Roles, string Tenant = "", double? RequestsPerSecond = null, int? Burst = null);
}

using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Models;

/// <summary>Settings and calls for a gateway fronting a <see cref="FakeModelServer"/> as model <c>remote</c>.</summary>
internal static class HttpModels
{
    public const string Name = "remote";

    /// <summary>One HTTP model, <c>Models:0</c>, on <paramref name="server"/>; <paramref name="overrides"/> are keys under <c>Models:0:</c>.</summary>
    public static Dictionary<string, string?> Settings(FakeModelServer server, string protocol = "kserve-v1", params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Models:0:Name"] = Name,
            ["Models:0:Version"] = "7",
            ["Models:0:Backend"] = "http",
            ["Models:0:Protocol"] = protocol,
            ["Models:0:BaseUrl"] = server.BaseUrl.ToString(),
            ["Models:0:RetryDelayMs"] = "1",
        };
        foreach (var (key, value) in overrides)
        {
            settings[$"Models:0:{key}"] = value;
        }

        return settings;
    }

    /// <summary>A miss for <paramref name="text"/> on the default model: asserts 202 and returns its job id.</summary>
    public static async Task<Guid> MissAsync(this HttpClient client, string text)
    {
        using var response = await client.PredictAsync(text);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("job_id").GetGuid();
    }
}

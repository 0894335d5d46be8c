using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PredictionCache.Gateway.Security;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Models;

namespace PredictionCache.Gateway.Models;

/// <summary>The answer of <c>GET /models</c>.</summary>
/// <param name="Models">The models, in configuration order.</param>
public sealed record ModelsResponse(IReadOnlyList<ModelInfo> Models);

/// <summary>One model's settings (never its headers) and counters.</summary>
/// <param name="Name">The name clients give in <c>model</c>.</param>
/// <param name="Version">The version (part of the cache key).</param>
/// <param name="Default">True for the model used when a request names none.</param>
/// <param name="Backend"><c>builtin</c> or <c>http</c>.</param>
/// <param name="TtlSeconds">Seconds an entry stays fresh.</param>
/// <param name="Normalization"><c>default</c> or <c>exact</c>.</param>
/// <param name="Http">The model server settings, for an HTTP model.</param>
/// <param name="Stats">The model's counters.</param>
/// <param name="Shared">True when all tenants share its entries (<c>Models:N:Shared</c>).</param>
public sealed record ModelInfo(
    string Name, string Version, bool Default, string Backend, long TtlSeconds, string Normalization, HttpModelInfo? Http, ModelStatsSnapshot Stats, bool Shared = false);

/// <summary>An HTTP model's settings, without its headers or any credentials in its URL.</summary>
/// <param name="Protocol"><c>kserve-v1</c> or <c>open-inference-v2</c>.</param>
/// <param name="BaseUrl">The model server's base URL, user information removed.</param>
/// <param name="RemoteName">The model's name on the server.</param>
/// <param name="TimeoutSeconds">Seconds per upstream attempt.</param>
/// <param name="MaxRetries">Retries after a transient failure.</param>
/// <param name="MaxConcurrency">Upstream requests in flight at once.</param>
/// <param name="MaxQueueLength">Misses waiting beyond those in flight.</param>
/// <param name="MaxBatchSize">Misses per upstream request.</param>
/// <param name="MaxDelayMs">Milliseconds a batch waits for more misses.</param>
/// <param name="BreakerBreakSeconds">Seconds the circuit stays open.</param>
public sealed record HttpModelInfo(
    string Protocol,
    string BaseUrl,
    string RemoteName,
    int TimeoutSeconds,
    int MaxRetries,
    int MaxConcurrency,
    int MaxQueueLength,
    int MaxBatchSize,
    int MaxDelayMs,
    int BreakerBreakSeconds);

/// <summary><c>GET /models</c>: the models served, their settings and counters.</summary>
internal static class ModelEndpoints
{
    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/models", GetModels)
            .RequireAuthorization(ApiKeyDefaults.Predict)
            .WithTags("Models")
            .WithName("GetModels")
            .WithSummary("The models served, with their settings and counters (hits, misses, inferences, failures, latency).");
        return endpoints;
    }

    internal static Ok<ModelsResponse> GetModels(PredictionService cache, IOptions<BatchingOptions> batching) =>
        TypedResults.Ok(new ModelsResponse([.. cache.Models.Served.Select(m => Describe(m, batching.Value))]));

    private static ModelInfo Describe(ServedModel model, BatchingOptions batching)
    {
        var settings = model.Settings;
        var http = settings.IsHttp
            ? new HttpModelInfo(
                settings.Protocol,
                ModelUrls.Redact(settings.BaseUrl!),
                string.IsNullOrWhiteSpace(settings.RemoteName) ? model.Descriptor.Name : settings.RemoteName,
                settings.TimeoutSeconds,
                settings.MaxRetries,
                settings.MaxConcurrency,
                settings.MaxQueueLength,
                settings.MaxBatchSize ?? batching.MaxBatchSize,
                settings.MaxDelayMs ?? batching.MaxDelayMs,
                settings.BreakerBreakSeconds)
            : null;
        return new ModelInfo(
            model.Descriptor.Name,
            model.Descriptor.Version,
            model.IsDefault,
            settings.Backend,
            (long)model.Ttl.TotalSeconds,
            model.ExactText ? ModelOptions.ExactNormalization : ModelOptions.DefaultNormalization,
            http,
            model.Statistics.Snapshot(),
            model.Shared);
    }
}

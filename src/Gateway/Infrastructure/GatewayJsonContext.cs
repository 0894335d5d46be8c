using System.Text.Json.Serialization;
using PredictionCache.Gateway.Cache;
using PredictionCache.Gateway.Jobs;
using PredictionCache.Gateway.Models;
using PredictionCache.Gateway.Predict;
using PredictionCache.Grains.Caching;

namespace PredictionCache.Gateway.Infrastructure;

/// <summary>Source-generated JSON for the HTTP contract: snake_case names.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(PredictRequest))]
[JsonSerializable(typeof(PredictResponse))]
[JsonSerializable(typeof(BatchPredictRequest))]
[JsonSerializable(typeof(BatchPredictResponse))]
[JsonSerializable(typeof(JobResponse))]
[JsonSerializable(typeof(CacheStatsSnapshot))]
[JsonSerializable(typeof(ClearResponse))]
[JsonSerializable(typeof(ClusterResponse))]
[JsonSerializable(typeof(ModelsResponse))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;
using PredictionCache.Grains.Inference.Builtin;

namespace PredictionCache.Grains;

/// <summary>Source-generated JSON for the types the grains serialize.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SentimentScore))]
internal sealed partial class GrainsJsonContext : JsonSerializerContext;

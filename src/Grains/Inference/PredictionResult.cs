using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace PredictionCache.Grains.Inference;

/// <summary>
/// A model's answer as UTF-8 JSON, kept as bytes: a cache hit writes them to the response as they are,
/// with no serialization per hit.
/// Between grains it crosses as those bytes, never copied: it is immutable.
/// </summary>
[JsonConverter(typeof(PredictionResultJsonConverter))]
[GenerateSerializer, Immutable, Alias("predictioncache.result")]
public sealed class PredictionResult
{
    [Id(0)]
    private readonly byte[] _utf8Json;

    private PredictionResult(byte[] utf8Json) => _utf8Json = utf8Json;

    /// <summary>The JSON value, UTF-8 encoded.</summary>
    public ReadOnlyMemory<byte> Utf8Json => _utf8Json;

    /// <summary>Serializes <paramref name="value"/>.</summary>
    public static PredictionResult From<T>(T value, JsonTypeInfo<T> typeInfo) =>
        new(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));

    /// <summary>Wraps JSON text after checking it is one well-formed JSON value.</summary>
    /// <exception cref="JsonException">The bytes are not one JSON value.</exception>
    public static PredictionResult FromJson(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        reader.Read();
        reader.Skip();
        if (reader.Read())
        {
            throw new JsonException("More than one JSON value.");
        }

        return new PredictionResult(utf8Json.ToArray());
    }

    /// <inheritdoc />
    public override string ToString() => Encoding.UTF8.GetString(Utf8Json.Span);
}

/// <summary>Writes a <see cref="PredictionResult"/> as its raw JSON; reads any JSON value into one.</summary>
public sealed class PredictionResultJsonConverter : JsonConverter<PredictionResult>
{
    /// <inheritdoc />
    public override PredictionResult Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return PredictionResult.FromJson(JsonSerializer.SerializeToUtf8Bytes(document.RootElement));
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, PredictionResult value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteRawValue(value.Utf8Json.Span, skipInputValidation: true);
    }
}

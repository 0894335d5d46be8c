using System.Text.Json;

namespace PredictionCache.Grains.Inference.Http;

/// <summary>Reading model server answers: any JSON error becomes a <see cref="MalformedAnswerException"/>.</summary>
internal static class ModelAnswers
{
    private const int MaxDepth = 64;

    public static JsonDocument Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            throw new MalformedAnswerException($"The answer is not valid JSON: {ex.Message}", ex);
        }
    }

    public static PredictionResult ToResult(JsonElement element) => Write(element.WriteTo);

    public static PredictionResult Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return PredictionResult.FromJson(buffer.ToArray());
    }
}

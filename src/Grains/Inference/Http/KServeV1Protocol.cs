using System.Text.Json;

namespace PredictionCache.Grains.Inference.Http;

/// <summary>KServe V1: <c>POST /v1/models/{name}:predict</c> with <c>{"instances": [...]}</c>, answered by <c>{"predictions": [...]}</c>.</summary>
internal sealed class KServeV1Protocol(string remoteName) : IModelProtocol
{
    public Uri InferUri(Uri baseUrl) => new(baseUrl, $"v1/models/{Uri.EscapeDataString(remoteName)}:predict");

    public byte[] WriteRequest(IReadOnlyList<string> texts)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("instances");
            foreach (var text in texts)
            {
                writer.WriteStringValue(text);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public PredictionResult[] ReadAnswer(ReadOnlySpan<byte> body, int count)
    {
        using var document = ModelAnswers.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("predictions", out var predictions) ||
            predictions.ValueKind != JsonValueKind.Array)
        {
            throw new MalformedAnswerException("The answer has no \"predictions\" array.");
        }

        var length = predictions.GetArrayLength();
        if (length != count)
        {
            throw new MalformedAnswerException($"The answer has {length} predictions for {count} instances.");
        }

        var results = new PredictionResult[count];
        var i = 0;
        foreach (var prediction in predictions.EnumerateArray())
        {
            results[i++] = ModelAnswers.ToResult(prediction);
        }

        return results;
    }
}

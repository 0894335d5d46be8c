using System.Text.Json;

namespace PredictionCache.Grains.Inference.Http;

/// <summary>
/// Open Inference Protocol (KServe V2, Triton's HTTP/JSON): <c>POST /v2/models/{name}[/versions/{v}]/infer</c> with one
/// BYTES input of shape <c>[n, 1]</c>, answered by <c>outputs</c> whose first dimension is <c>n</c>. Each text's result
/// is its row of the chosen output (a scalar for a row of one), or, with no output chosen and several given, an
/// object of every output's row by name.
/// </summary>
internal sealed class OpenInferenceV2Protocol(string remoteName, string? remoteVersion, string inputName, string? outputName) : IModelProtocol
{
    public Uri InferUri(Uri baseUrl) => new(
        baseUrl,
        remoteVersion is null
            ? $"v2/models/{Uri.EscapeDataString(remoteName)}/infer"
            : $"v2/models/{Uri.EscapeDataString(remoteName)}/versions/{Uri.EscapeDataString(remoteVersion)}/infer");

    public byte[] WriteRequest(IReadOnlyList<string> texts)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("inputs");
            writer.WriteStartObject();
            writer.WriteString("name", inputName);
            writer.WriteStartArray("shape");
            writer.WriteNumberValue(texts.Count);
            writer.WriteNumberValue(1);
            writer.WriteEndArray();
            writer.WriteString("datatype", "BYTES");
            writer.WriteStartArray("data");
            foreach (var text in texts)
            {
                writer.WriteStringValue(text);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public PredictionResult[] ReadAnswer(ReadOnlySpan<byte> body, int count)
    {
        using var document = ModelAnswers.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("outputs", out var outputs) ||
            outputs.ValueKind != JsonValueKind.Array || outputs.GetArrayLength() == 0)
        {
            throw new MalformedAnswerException("The answer has no \"outputs\".");
        }

        var chosen = new List<(string Name, JsonElement[] Data, int Width)>();
        foreach (var output in outputs.EnumerateArray())
        {
            if (output.ValueKind != JsonValueKind.Object || !output.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw new MalformedAnswerException("An output has no \"name\".");
            }

            if (outputName is not null && !string.Equals(name.GetString(), outputName, StringComparison.Ordinal))
            {
                continue;
            }

            if (!output.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                throw new MalformedAnswerException($"The output \"{name.GetString()}\" has no \"data\" array.");
            }

            var values = data.EnumerateArray().ToArray();
            if (values.Length == 0 || values.Length % count != 0)
            {
                throw new MalformedAnswerException($"The output \"{name.GetString()}\" has {values.Length} values for {count} inputs.");
            }

            chosen.Add((name.GetString()!, values, values.Length / count));
        }

        if (chosen.Count == 0)
        {
            throw new MalformedAnswerException($"The answer has no output \"{outputName}\".");
        }

        var results = new PredictionResult[count];
        for (var i = 0; i < count; i++)
        {
            results[i] = ModelAnswers.Write(writer =>
            {
                if (chosen.Count == 1)
                {
                    WriteRow(writer, chosen[0].Data, chosen[0].Width, i);
                    return;
                }

                writer.WriteStartObject();
                foreach (var (name, data, width) in chosen)
                {
                    writer.WritePropertyName(name);
                    WriteRow(writer, data, width, i);
                }

                writer.WriteEndObject();
            });
        }

        return results;
    }

    private static void WriteRow(Utf8JsonWriter writer, JsonElement[] data, int width, int row)
    {
        if (width == 1)
        {
            data[row].WriteTo(writer);
            return;
        }

        writer.WriteStartArray();
        for (var j = 0; j < width; j++)
        {
            data[(row * width) + j].WriteTo(writer);
        }

        writer.WriteEndArray();
    }
}

using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using PredictionCache.Gateway.Infrastructure;

namespace PredictionCache.Gateway.Predict;

/// <summary>
/// Reads and checks the body of <c>POST /predict</c> by hand, so every way a body can be wrong gets its own
/// clear 4xx: a content coding other than identity or the wrong media type (415), too large (413), not JSON, not UTF-8,
/// too deep, a property given twice, wrong types, blank text (400).
/// </summary>
internal static class PredictRequestReader
{
    /// <summary>The one content coding a body may have: none.</summary>
    private const string Identity = "identity";

    /// <summary>The body of <c>POST /predict</c>: one request object, or the problem with it.</summary>
    public static async Task<(PredictRequest? Request, ProblemHttpResult? Problem)> ReadAsync(
        HttpRequest request, GatewayOptions options, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadJsonBodyAsync(request, options, cancellationToken);
        return body is null ? (null, problem) : Parse(body, options, static (root, options) =>
            root.ValueKind == JsonValueKind.Object
                ? ParseObject(root, options)
                : (null, Problems.BadRequest($"The body must be a JSON object; it is {Describe(root.ValueKind)}.")));
    }

    /// <summary>
    /// The body of a JSON request, as bytes: the problem instead when it has a content coding (415), is not JSON by its
    /// media type (415) or is larger than <see cref="GatewayOptions.MaxRequestBytes"/> (413). Both endpoints that take a
    /// body read it here.
    /// </summary>
    internal static async Task<(byte[]? Body, ProblemHttpResult? Problem)> ReadJsonBodyAsync(
        HttpRequest request, GatewayOptions options, CancellationToken cancellationToken)
    {
        var encoding = request.Headers.ContentEncoding;
        if (!IsIdentity(encoding))
        {
            // RFC 9110 15.5.16: a 415 for a content coding says in Accept-Encoding which codings are accepted.
            request.HttpContext.Response.Headers.AcceptEncoding = Identity;
            return (null, Problems.UnsupportedMediaType(
                $"Content-Encoding '{encoding}' is not accepted; the only accepted encoding is identity: send the body uncompressed, without Content-Encoding."));
        }

        if (!request.HasJsonContentType())
        {
            return (null, Problems.UnsupportedMediaType("The body must be JSON: send Content-Type: application/json."));
        }

        var body = request.ContentLength > options.MaxRequestBytes
            ? null
            : await ReadBodyAsync(request.BodyReader, options.MaxRequestBytes, cancellationToken);
        return body is null
            ? (null, Problems.TooLarge($"The body is over {options.MaxRequestBytes} bytes (Gateway:MaxRequestBytes)."))
            : (body, null);
    }

    /// <summary>
    /// Parses <paramref name="body"/> as UTF-8 JSON (a byte order mark skipped, depth bounded by
    /// <see cref="GatewayOptions.MaxJsonDepth"/>, no property twice in one object) and hands its root to
    /// <paramref name="read"/>; malformed text of any kind is a <c>400</c> that says what is wrong.
    /// </summary>
    internal static (T? Value, ProblemHttpResult? Problem) Parse<T>(
        byte[] body, GatewayOptions options, Func<JsonElement, GatewayOptions, (T? Value, ProblemHttpResult? Problem)> read)
    {
        // RFC 8259 lets a parser ignore a byte order mark; JsonDocument does not, so skip it here.
        var json = body.AsMemory();
        if (json.Span.StartsWith("\uFEFF"u8))
        {
            json = json[3..];
        }

        if (!Utf8.IsValid(json.Span))
        {
            return (default, Problems.BadRequest("The body is not valid UTF-8."));
        }

        try
        {
            // A property given twice is refused, not resolved: a proxy in front may have read the other value. JsonDocument
            // checks it as it parses (a stack set per object, pooled past a few names: no allocation per property); the
            // message names the property ("Duplicate property 'text' ...").
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = options.MaxJsonDepth, AllowDuplicateProperties = false });
            return read(document.RootElement, options);
        }
        catch (JsonException ex)
        {
            return (default, Problems.BadRequest($"The body is not valid JSON: {ex.Message}"));
        }
        catch (InvalidOperationException ex)
        {
            // GetString on ill-formed UTF-8 or UTF-16 escapes.
            return (default, Problems.BadRequest($"The body is not valid UTF-8 JSON text: {ex.Message}"));
        }
        catch (ArgumentException ex)
        {
            return (default, Problems.BadRequest($"The body is not valid UTF-8: {ex.Message}"));
        }
    }

    /// <summary>
    /// Checks one request object, <c>{"text", "model"?}</c>: the body of <c>POST /predict</c> or one item of a batch.
    /// </summary>
    /// <exception cref="InvalidOperationException">A string holds ill-formed UTF-16 escapes.</exception>
    internal static (PredictRequest? Request, ProblemHttpResult? Problem) ParseObject(JsonElement root, GatewayOptions options)
    {
        if (!root.TryGetProperty("text", out var textElement) || textElement.ValueKind == JsonValueKind.Null)
        {
            return (null, Problems.BadRequest("The body has no \"text\"."));
        }

        if (textElement.ValueKind != JsonValueKind.String)
        {
            return (null, Problems.BadRequest($"\"text\" must be a string; it is {Describe(textElement.ValueKind)}."));
        }

        string? model = null;
        if (root.TryGetProperty("model", out var modelElement) && modelElement.ValueKind != JsonValueKind.Null)
        {
            if (modelElement.ValueKind != JsonValueKind.String)
            {
                return (null, Problems.BadRequest($"\"model\" must be a string; it is {Describe(modelElement.ValueKind)}."));
            }

            model = modelElement.GetString();
        }

        var text = textElement.GetString()!;
        var textBytes = Encoding.UTF8.GetByteCount(text);
        if (textBytes > options.MaxTextBytes)
        {
            return (null, Problems.TooLarge($"\"text\" is {textBytes} bytes of UTF-8; at most {options.MaxTextBytes} are accepted."));
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, Problems.BadRequest("\"text\" is blank."));
        }

        return (new PredictRequest(text, model), null);
    }

    /// <summary>Reads the whole body, or returns null as soon as it passes <paramref name="limit"/> bytes.</summary>
    internal static async Task<byte[]?> ReadBodyAsync(PipeReader reader, int limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return null;
            }

            if (read.IsCompleted)
            {
                var bytes = buffer.ToArray();
                reader.AdvanceTo(buffer.End);
                return bytes;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Whether the body is sent as is: no <c>Content-Encoding</c>, or only <c>identity</c> (RFC 9110 8.4.1, case-insensitive).
    /// </summary>
    private static bool IsIdentity(StringValues encodings)
    {
        foreach (var value in encodings)
        {
            foreach (var range in value.AsSpan().Split(','))
            {
                var coding = value.AsSpan()[range].Trim();
                if (coding.Length > 0 && !coding.Equals(Identity, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }
        }

        return true;
    }

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}

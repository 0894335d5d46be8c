using System.Collections.Concurrent;
using System.Net;
using System.Text;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>One span as OTLP carried it: ids in lower-case hex, its scope, kind (1 internal, 2 server, 3 client) and string attributes.</summary>
public sealed record OtlpSpan(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, string Scope, IReadOnlyDictionary<string, string> Attributes)
{
    public const int Internal = 1;
    public const int Server = 2;
    public const int Client = 3;
}

/// <summary>
/// An OTLP/HTTP receiver on a free loopback port: answers 200 to every POST, counts the metric exports
/// (<c>/v1/metrics</c>) and decodes the spans of trace exports (<c>/v1/traces</c>, protobuf
/// <c>ExportTraceServiceRequest</c>, read field by field from the wire format: resource spans → scope spans → spans).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly Task _loop;
    private readonly ChangeSignal _received = new();
    private int _metricExports;

    private long _metricBytes;

    public OtlpReceiver()
    {
        Port = FreePorts.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ReceiveAsync);
    }

    public int Port { get; }

    /// <summary>The endpoint to put in <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    public int MetricExports => Volatile.Read(ref _metricExports);

    public long MetricBytes => Interlocked.Read(ref _metricBytes);

    public IReadOnlyCollection<OtlpSpan> Spans => _spans;

    /// <summary>
    /// Resolves with the spans received so far once <paramref name="done"/> holds of them, checked now and again on
    /// every export received; fails after <see cref="TestWait.HangGuard"/> listing what did arrive.
    /// </summary>
    public async Task<IReadOnlyList<OtlpSpan>> WaitForSpansAsync(Func<IReadOnlyList<OtlpSpan>, bool> done, string what)
    {
        IReadOnlyList<OtlpSpan> spans = [];
        try
        {
            await _received.WaitUntilAsync(() => done(spans = [.. _spans]), what);
        }
        catch (TimeoutException ex)
        {
            // Say what did arrive.
            throw new TimeoutException(
                $"{ex.Message} Received {MetricExports} metric exports and {spans.Count} spans: " +
                string.Join("; ", spans.Select(s => $"{s.Scope}/{s.Name} kind {s.Kind} trace {s.TraceId[..8]} span {s.SpanId[..4]} parent {s.ParentSpanId}")),
                ex);
        }

        return spans;
    }

    /// <summary>Resolves once a metrics export with a body has arrived.</summary>
    public Task WaitForMetricsAsync() => _received.WaitUntilAsync(() => MetricExports > 0 && MetricBytes > 0, "a metrics export");

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (HttpListenerException)
        {
            // Closed while waiting for a request.
        }
        catch (ObjectDisposedException)
        {
            // Closed while waiting for a request.
        }
    }

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            var context = await _listener.GetContextAsync();
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var path = context.Request.Url!.AbsolutePath;

            if (context.Request.HttpMethod == "POST" && context.Request.ContentType == "application/x-protobuf")
            {
                if (path == "/v1/metrics")
                {
                    Interlocked.Add(ref _metricBytes, body.Length);
                    Interlocked.Increment(ref _metricExports);
                }
                else if (path == "/v1/traces")
                {
                    foreach (var span in DecodeTraces(body.ToArray()))
                    {
                        _spans.Enqueue(span);
                    }
                }
            }

            context.Response.StatusCode = 200;
            context.Response.Close();
            _received.Notify();
        }
    }

    private static IEnumerable<OtlpSpan> DecodeTraces(byte[] request)
    {
        foreach (var (resourceField, resourceSpans) in Fields(request))
        {
            if (resourceField != 1)
            {
                continue;
            }

            foreach (var (scopeField, scopeSpans) in Fields(resourceSpans))
            {
                if (scopeField != 2)
                {
                    continue;
                }

                var scope = string.Empty;
                var spans = new List<byte[]>();
                foreach (var (field, value) in Fields(scopeSpans))
                {
                    if (field == 1)
                    {
                        scope = Fields(value).Where(f => f.Field == 1).Select(f => Encoding.UTF8.GetString(f.Value)).FirstOrDefault() ?? string.Empty;
                    }
                    else if (field == 2)
                    {
                        spans.Add(value);
                    }
                }

                foreach (var span in spans)
                {
                    yield return DecodeSpan(span, scope);
                }
            }
        }
    }

    private static OtlpSpan DecodeSpan(byte[] span, string scope)
    {
        string traceId = string.Empty, spanId = string.Empty, parent = string.Empty, name = string.Empty;
        var kind = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, value) in Fields(span))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value); break;
                case 2: spanId = Convert.ToHexStringLower(value); break;
                case 4: parent = Convert.ToHexStringLower(value); break;
                case 5: name = Encoding.UTF8.GetString(value); break;
                case 6: kind = (int)ReadVarint(value, 0, out _); break;
                case 9:
                    var (key, text) = DecodeAttribute(value);
                    attributes[key] = text;
                    break;
            }
        }

        return new OtlpSpan(traceId, spanId, parent, name, kind, scope, attributes);
    }

    /// <summary>A <c>KeyValue</c>: its key, and its <c>AnyValue</c> as text (string, bool, int or double).</summary>
    private static (string Key, string Value) DecodeAttribute(byte[] keyValue)
    {
        var key = string.Empty;
        var text = string.Empty;
        foreach (var (field, value) in Fields(keyValue))
        {
            if (field == 1)
            {
                key = Encoding.UTF8.GetString(value);
            }
            else if (field == 2)
            {
                foreach (var (kind, raw) in Fields(value))
                {
                    text = kind switch
                    {
                        1 => Encoding.UTF8.GetString(raw),
                        2 => ReadVarint(raw, 0, out _) != 0 ? "true" : "false",
                        3 => ((long)ReadVarint(raw, 0, out _)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        4 => BitConverter.ToDouble(raw).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        _ => text,
                    };
                }
            }
        }

        return (key, text);
    }

    /// <summary>
    /// The fields of one protobuf message, in order: a varint's or a fixed value's bytes as its value (varints
    /// re-encoded for <see cref="ReadVarint"/>), a length-delimited field's bytes as they are.
    /// </summary>
    private static List<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var fields = new List<(int, byte[])>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, position, out position);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    var start = position;
                    ReadVarint(message, position, out position);
                    fields.Add((field, message[start..position]));
                    break;
                case 1:
                    fields.Add((field, message[position..(position + 8)]));
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, position, out position);
                    fields.Add((field, message[position..(position + length)]));
                    position += length;
                    break;
                case 5:
                    fields.Add((field, message[position..(position + 4)]));
                    position += 4;
                    break;
                default:
                    throw new FormatException($"Wire type {tag & 7} at byte {position} is not one OTLP uses.");
            }
        }

        return fields;
    }

    private static ulong ReadVarint(byte[] bytes, int position, out int next)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                next = position;
                return value;
            }
        }

        throw new FormatException("A varint runs over 10 bytes.");
    }
}

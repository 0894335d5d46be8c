using System.Text;
using Microsoft.AspNetCore.Http;
using PredictionCache.Gateway.Infrastructure;
using PredictionCache.Gateway.Predict;

namespace PredictionCache.Gateway.Tests;

/// <summary>
/// The body reader on a request without Content-Length (a chunked body): the in-memory test server always sends a
/// Content-Length, so this is where the streaming limit is checked; <see cref="GatewayProcessTests"/> checks it over
/// real chunked HTTP.
/// </summary>
public sealed class PredictRequestReaderTests
{
    private static readonly GatewayOptions Options = new() { MaxTextBytes = 100, MaxRequestBytes = 2048 };

    [Fact]
    public async Task ReadAsync_UnknownLengthBodyOverLimit_Is413()
    {
        var request = Request(Encoding.UTF8.GetBytes("{\"text\": \"hi\", \"pad\": \"" + new string('x', 2048) + "\"}"));

        var (parsed, problem) = await PredictRequestReader.ReadAsync(request, Options, CancellationToken.None);

        Assert.Null(parsed);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, problem?.StatusCode);
    }

    [Fact]
    public async Task ReadAsync_UnknownLengthBodyAtLimit_IsRead()
    {
        var prefix = "{\"text\": \"hi\", \"pad\": \"";
        var body = Encoding.UTF8.GetBytes(prefix + new string('x', 2048 - prefix.Length - 2) + "\"}");
        Assert.Equal(2048, body.Length);

        var (parsed, problem) = await PredictRequestReader.ReadAsync(Request(body), Options, CancellationToken.None);

        Assert.Null(problem);
        Assert.Equal("hi", parsed?.Text);
    }

    private static HttpRequest Request(byte[] body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.Body = new TrickleStream(body);
        Assert.Null(context.Request.ContentLength);
        return context.Request;
    }

    /// <summary>Hands out the body a few bytes per read, as a slow chunked upload would.</summary>
    private sealed class TrickleStream(byte[] body) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(Math.Min(buffer.Length, 7), body.Length - _position);
            body.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

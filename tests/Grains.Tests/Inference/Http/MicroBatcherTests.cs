using Microsoft.Extensions.Logging.Abstractions;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Inference.Http;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Inference.Http;

public sealed class MicroBatcherTests
{
    [Fact]
    public async Task PartialBatch_IsSentWhenItsDelayRunsOutOnTheClock()
    {
        var clock = new TestClock();
        var upstream = new RecordingUpstream();
        await using var batcher = new MicroBatcher("m", upstream.SendAsync, 1, 10, TimeSpan.FromMilliseconds(5), clock, NullLogger.Instance);

        var delayStarted = clock.WhenTimerCreatedAsync(TimeSpan.FromMilliseconds(5));
        var first = batcher.InferAsync("a", CancellationToken.None);
        await delayStarted.WaitAsync(TestWait.HangGuard);
        var sentBeforeDelay = upstream.BatchSizes.Count;
        clock.Advance(TimeSpan.FromMilliseconds(5));
        var result = await first.WaitAsync(TestWait.HangGuard);

        Assert.Equal(0, sentBeforeDelay);
        Assert.Equal("\"a\"", result.ToString());
        Assert.Equal([1], upstream.BatchSizes);
    }

    [Fact]
    public async Task FullBatch_IsSentWithoutWaitingOutItsDelay()
    {
        var clock = new TestClock();
        var upstream = new RecordingUpstream();
        var start = clock.GetUtcNow();
        await using var batcher = new MicroBatcher("m", upstream.SendAsync, 1, 3, TimeSpan.FromMilliseconds(5), clock, NullLogger.Instance);

        // The clock never moves, so only a full batch can go.
        var results = await Task.WhenAll(new[] { "a", "b", "c" }.Select(t => batcher.InferAsync(t, CancellationToken.None))).WaitAsync(TestWait.HangGuard);

        Assert.Equal(["\"a\"", "\"b\"", "\"c\""], results.Select(r => r.ToString()));
        Assert.Equal([3], upstream.BatchSizes);
        Assert.Equal(start, clock.GetUtcNow());
    }

    [Fact]
    public async Task FailedBatch_FailsEveryMissInIt()
    {
        var upstream = new RecordingUpstream { Failure = new InvalidOperationException("down") };
        await using var batcher = new MicroBatcher("m", upstream.SendAsync, 1, 10, TimeSpan.Zero, TimeProvider.System, NullLogger.Instance);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.InferAsync("a", CancellationToken.None).WaitAsync(TestWait.HangGuard));

        Assert.Equal("down", error.Message);
    }

    private sealed class RecordingUpstream
    {
        public List<int> BatchSizes { get; } = [];

        public Exception? Failure { get; init; }

        public Task<PredictionResult[]> SendAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
        {
            lock (BatchSizes)
            {
                BatchSizes.Add(texts.Count);
            }

            return Failure is { } failure
                ? Task.FromException<PredictionResult[]>(failure)
                : Task.FromResult(texts.Select(t => PredictionResult.FromJson(System.Text.Encoding.UTF8.GetBytes($"\"{t}\""))).ToArray());
        }
    }
}

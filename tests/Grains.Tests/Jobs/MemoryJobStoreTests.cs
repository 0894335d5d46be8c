using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PredictionCache.TestKit;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.Grains.Tests.Jobs;

/// <summary>The job store contract in memory, and the retention service sweeping it on the clock.</summary>
public sealed class MemoryJobStoreTests : JobStoreContractTests
{
    protected override TimeSpan Precision => TimeSpan.FromTicks(1);

    private MemoryJobStore MemoryStore => (MemoryJobStore)Store;

    public override Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RetentionService_SweepsEveryIntervalOnTheClock()
    {
        // Arrange: retention 2 h, a sweep every 5 min; the job finishes 1 min in.
        var options = new JobOptions { RetentionHours = 2, SweepIntervalMinutes = 5 };
        var store = new SweepCountingStore((MemoryJobStore)await CreateStoreAsync(options));
        var retention = new JobRetentionService(store, Options.Create(options), Clock, NullLogger<JobRetentionService>.Instance);
        await retention.StartAsync(CancellationToken.None);
        var job = NewJob();
        var processing = NewJob();
        await store.CreateAsync(job);
        await store.CreateAsync(processing);
        Clock.Advance(TimeSpan.FromMinutes(1));
        await store.CompleteAsync(job.Id, Result, Clock.GetUtcNow());

        // Act: the sweep at 2 h 0 min is one minute short; the one at 2 h 5 min is past the retention. The clock moves
        // on only once the sweep it started has run.
        Clock.Advance(TimeSpan.FromMinutes(4));
        await store.WhenSweptAsync(1);
        for (var sweep = 2; sweep <= 24; sweep++)
        {
            Clock.Advance(TimeSpan.FromMinutes(5));
            await store.WhenSweptAsync(sweep);
        }

        var afterFirstSweeps = await store.GetAsync(job.Id);
        Clock.Advance(TimeSpan.FromMinutes(5));
        await store.WhenSweptAsync(25);
        var afterNextSweep = await store.GetAsync(job.Id);
        await retention.StopAsync(CancellationToken.None);

        // Assert
        Assert.NotNull(afterFirstSweeps);
        Assert.Null(afterNextSweep);
        Assert.NotNull(await store.GetAsync(processing.Id));
        Assert.Equal(1, store.Inner.Count);
    }

    protected override Task<IJobStore> CreateStoreAsync(JobOptions options)
    {
        return Task.FromResult<IJobStore>(new MemoryJobStore(Clock, Options.Create(options)));
    }

    protected override Task<long> CountJobsAsync() => Task.FromResult((long)MemoryStore.Count);

    protected override Task<long> SweepAsync() => Task.FromResult((long)MemoryStore.Sweep());

    /// <summary>The memory store, counting the sweeps that have run to their end.</summary>
    private sealed class SweepCountingStore(MemoryJobStore inner) : IJobStore
    {
        private readonly Lock _lock = new();
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
        private int _sweeps;

        public MemoryJobStore Inner => inner;

        public Task WhenSweptAsync(int count)
        {
            lock (_lock)
            {
                if (_sweeps >= count)
                {
                    return Task.CompletedTask;
                }

                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, reached));
                return reached.Task.WaitAsync(TestWait.HangGuard);
            }
        }

        public async Task<long> SweepAsync(CancellationToken cancellationToken = default)
        {
            var removed = await inner.SweepAsync(cancellationToken);
            lock (_lock)
            {
                _sweeps++;
                foreach (var waiter in _waiters.Where(w => w.Count <= _sweeps).ToArray())
                {
                    waiter.Reached.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }

            return removed;
        }

        public Task CreateAsync(JobRecord job, CancellationToken cancellationToken = default) => inner.CreateAsync(job, cancellationToken);

        public Task CompleteAsync(Guid id, PredictionCache.Grains.Inference.PredictionResult result, DateTimeOffset completedAt, CancellationToken cancellationToken = default) =>
            inner.CompleteAsync(id, result, completedAt, cancellationToken);

        public Task FailAsync(Guid id, string error, DateTimeOffset completedAt, bool timedOut = false, CancellationToken cancellationToken = default) =>
            inner.FailAsync(id, error, completedAt, timedOut, cancellationToken);

        public Task<JobRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

        public Task<JobRecord?> WaitAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken = default) =>
            inner.WaitAsync(id, timeout, cancellationToken);
    }
}

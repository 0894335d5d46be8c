using Microsoft.Extensions.Options;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.Grains.Tests.Jobs;

/// <summary>The job store contract in memory, and the memory store's own timer-driven sweep.</summary>
public sealed class MemoryJobStoreTests : JobStoreContractTests
{
    private readonly List<MemoryJobStore> _stores = [];

    protected override TimeSpan Precision => TimeSpan.FromTicks(1);

    private MemoryJobStore MemoryStore => (MemoryJobStore)Store;

    public override Task DisposeAsync()
    {
        _stores.ForEach(s => s.Dispose());
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Sweep_RunsEveryIntervalOnTheClock()
    {
        // Arrange: retention 2 h, a sweep every 5 min; the job finishes 1 min in.
        var store = (MemoryJobStore)await CreateStoreAsync(new JobOptions { RetentionHours = 2, SweepIntervalMinutes = 5 });
        var job = NewJob();
        var processing = NewJob();
        await store.CreateAsync(job);
        await store.CreateAsync(processing);
        Clock.Advance(TimeSpan.FromMinutes(1));
        await store.CompleteAsync(job.Id, Result, Clock.GetUtcNow());

        // Act: the sweep at 2 h 0 min is one minute short; the one at 2 h 5 min is past the retention. The clock moves
        // from sweep to sweep: a sweep sees the time the clock is moved to.
        Clock.Advance(TimeSpan.FromMinutes(4));
        for (var sweep = 1; sweep < 24; sweep++)
        {
            Clock.Advance(TimeSpan.FromMinutes(5));
        }

        var afterFirstSweeps = await store.GetAsync(job.Id);
        Clock.Advance(TimeSpan.FromMinutes(5));
        var afterNextSweep = await store.GetAsync(job.Id);

        // Assert
        Assert.NotNull(afterFirstSweeps);
        Assert.Null(afterNextSweep);
        Assert.NotNull(await store.GetAsync(processing.Id));
        Assert.Equal(1, store.Count);
    }

    protected override Task<IJobStore> CreateStoreAsync(JobOptions options)
    {
        var store = new MemoryJobStore(Clock, Options.Create(options));
        _stores.Add(store);
        return Task.FromResult<IJobStore>(store);
    }

    protected override Task<long> CountJobsAsync() => Task.FromResult((long)MemoryStore.Count);

    protected override Task<long> SweepAsync() => Task.FromResult((long)MemoryStore.Sweep());
}

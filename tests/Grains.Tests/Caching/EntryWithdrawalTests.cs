using System.Collections.Concurrent;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Tests.Support;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Caching;

/// <summary>
/// An entry is never served after its grain withdrew it: many callers hit the front door for a key (through the
/// silo's published entries and through the grain) while the entry expires, is removed, cleared or evicted; once the
/// withdrawing operation has completed, no call started later gets that entry.
/// </summary>
public sealed class EntryWithdrawalTests
{
    private const int Iterations = 40;
    private const int Callers = 8;
    private const int CallsAfterWithdrawal = 10;

    public enum Withdrawal
    {
        Expiry,
        Removal,
        Clear,
        Eviction,
    }

    [Theory]
    [InlineData(Withdrawal.Expiry)]
    [InlineData(Withdrawal.Removal)]
    [InlineData(Withdrawal.Clear)]
    [InlineData(Withdrawal.Eviction)]
    public async Task Predict_ConcurrentCallersAcrossAWithdrawal_NeverGetTheEntryAfterIt(Withdrawal withdrawal)
    {
        // Arrange: a 10 s TTL; for eviction, room for one entry and a SQL level 2, so an evicted entry that comes back
        // is read from storage (a new instance) and is told apart from the evicted activation's own.
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var options = new CacheClusterOptions();
        options.Backends.Add(new FakeInferenceBackend(gated: false, yields: true));
        options.Settings["Cache:TtlSeconds"] = "10";
        if (withdrawal == Withdrawal.Eviction)
        {
            options.Settings["Cache:MaxEntries"] = "1";
            foreach (var (key, value) in database.Settings)
            {
                options.Settings[key] = value;
            }
        }

        await using var host = await CacheCluster.StartAsync(options);
        var violations = new ConcurrentQueue<string>();
        var started = new ConcurrentQueue<Guid>();
        var servedBefore = 0;

        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var text = $"key {iteration}";
            var key = host.KeyOf(text);
            var job = await host.InsertAsync(text);
            Assert.True(host.Primary.TryGetPublished(text, out var published));
            var entry = published.Entry;
            bool IsTheEntry(CacheEntry? served) =>
                served is not null && (withdrawal == Withdrawal.Eviction ? ReferenceEquals(served, entry) : served.JobId == job.Id);

            var withdrawn = 0;
            var running = 0;
            var allRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            // Act: every caller keeps asking; a call counts as "after" when the withdrawal had completed before it began.
            var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
            {
                var after = 0;
                var first = true;
                while (after < CallsAfterWithdrawal)
                {
                    var phase = Volatile.Read(ref withdrawn);
                    var outcome = await host.PredictAsync(text);
                    if (outcome.Status == PredictionStatus.Started)
                    {
                        started.Enqueue(outcome.JobId);
                    }

                    if (phase == 1)
                    {
                        after++;
                        if (IsTheEntry(outcome.Entry))
                        {
                            violations.Enqueue($"{withdrawal} {iteration}: {outcome.Status} served job {job.Id} after its withdrawal");
                        }
                    }
                    else if (IsTheEntry(outcome.Entry))
                    {
                        Interlocked.Increment(ref servedBefore);
                    }

                    if (first && Interlocked.Increment(ref running) == Callers)
                    {
                        allRunning.TrySetResult();
                    }

                    first = false;
                }
            })).ToArray();

            await TestWait.ForAsync(allRunning.Task, "every caller's first answer");
            switch (withdrawal)
            {
                case Withdrawal.Expiry:
                    host.Clock.Advance(TimeSpan.FromSeconds(10));
                    break;
                case Withdrawal.Removal:
                    Assert.True(await host.Predictions.RemoveEntryAsync(key));
                    break;
                case Withdrawal.Clear:
                    await TestWait.ForAsync(host.Predictions.ClearAsync(), "the clear");
                    break;
                case Withdrawal.Eviction:
                    // The other key takes the one place: the directory evicts this key's activation, which withdraws
                    // its entry and deactivates; the withdrawal has completed once it has deactivated.
                    var deactivated = host.Primary.Activity.Deactivations(TestClusters.Prediction, key);
                    await host.InsertAsync($"other {iteration}");
                    await host.WaitUntilAsync(
                        () => host.Primary.Activity.Deactivations(TestClusters.Prediction, key) > deactivated, $"the eviction of {text}");
                    break;
            }

            Volatile.Write(ref withdrawn, 1);
            await TestWait.ForAsync(Task.WhenAll(callers), "the callers");
        }

        // Every inference the callers started has finished: none is left running into the silo's stop.
        foreach (var id in started)
        {
            await host.WaitForJobAsync(id);
        }

        // Assert: the entry was served before each withdrawal (the test saw it), and never after one.
        Assert.Empty(violations);
        Assert.InRange(servedBefore, Iterations, int.MaxValue);
    }
}

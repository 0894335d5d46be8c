using PredictionCache.Grains.Directory;
using PredictionCache.TestKit;

namespace PredictionCache.Grains.Tests.Directory;

public sealed class TouchBufferTests
{
    private const int StripeCapacity = 256;

    [Fact]
    public void Drain_SingleWriter_HandsOverKeysInAddOrder()
    {
        // Arrange
        var buffer = new TouchBuffer(1);
        buffer.Add("a");
        buffer.Add("b");
        buffer.Add("a");
        buffer.Add("c");
        var drained = new List<string>();

        // Act
        var count = buffer.Drain(drained.Add);

        // Assert
        Assert.Equal(4, count);
        Assert.Equal(["a", "b", "a", "c"], drained);
        Assert.Equal(0, buffer.Pending);
    }

    [Fact]
    public void Drain_Empty_HandsOverNothing()
    {
        // Arrange
        var buffer = new TouchBuffer(4);
        var drained = new List<string>();

        // Act
        var count = buffer.Drain(drained.Add);

        // Assert
        Assert.Equal(0, count);
        Assert.Empty(drained);
    }

    [Fact]
    public void Drain_Twice_SecondHandsOverOnlyNewKeys()
    {
        // Arrange
        var buffer = new TouchBuffer(1);
        buffer.Add("a");
        buffer.Drain(_ => { });
        buffer.Add("b");
        var drained = new List<string>();

        // Act
        var count = buffer.Drain(drained.Add);

        // Assert
        Assert.Equal(1, count);
        Assert.Equal(["b"], drained);
    }

    [Fact]
    public void Add_PastStripeCapacity_KeepsTheFirstAndDropsTheRest()
    {
        // Arrange
        var buffer = new TouchBuffer(1);
        var keys = Enumerable.Range(0, StripeCapacity + 44).Select(i => "k" + i).ToArray();
        var drained = new List<string>();

        // Act
        foreach (var key in keys)
        {
            buffer.Add(key);
        }

        var pending = buffer.Pending;
        buffer.Drain(drained.Add);

        // Assert
        Assert.Equal(StripeCapacity, pending);
        Assert.Equal(keys.Take(StripeCapacity), drained);
        Assert.Equal(44, buffer.Dropped);
    }

    [Fact]
    public void Add_AfterDrainOfAFullStripe_HasRoomAgain()
    {
        // Arrange: wrap the ring several times.
        var buffer = new TouchBuffer(1);
        var drained = new List<string>();

        // Act
        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < StripeCapacity; i++)
            {
                buffer.Add($"{round}:{i}");
            }

            buffer.Drain(drained.Add);
        }

        // Assert
        Assert.Equal(5 * StripeCapacity, drained.Count);
        Assert.Equal(Enumerable.Range(0, 5).SelectMany(r => Enumerable.Range(0, StripeCapacity).Select(i => $"{r}:{i}")), drained);
    }

    [Fact]
    public void Add_HalfFullStripe_RequestsOneFlushUntilDrained()
    {
        // Arrange
        var buffer = new TouchBuffer(1);
        var half = StripeCapacity / 2;

        // Act
        var firstRound = Enumerable.Range(0, StripeCapacity + 10).Select(i => buffer.Add("k" + i)).ToArray();
        buffer.Drain(_ => { });
        var secondRound = Enumerable.Range(0, half + 10).Select(i => buffer.Add("k" + i)).ToArray();

        // Assert: only the add that made the stripe half full asks, once per drain.
        Assert.Equal([half - 1], Enumerable.Range(0, firstRound.Length).Where(i => firstRound[i]));
        Assert.Equal([half - 1], Enumerable.Range(0, secondRound.Length).Where(i => secondRound[i]));
    }

    [Fact]
    public void Add_ConcurrentWritersUnderCapacity_LoseNothing()
    {
        // Arrange: writers released together each round, each on its own stripe (stripes are picked by managed
        // thread id; two writers sharing one may drop a touch when they race for a slot, by design), each adding
        // fewer keys than a stripe holds.
        const int writers = 4;
        const int perWriter = StripeCapacity - 6;
        const int rounds = 50;
        var buffer = new TouchBuffer(writers);
        using var barrier = new Barrier(writers + 1);
        var threads = new Thread?[writers];
        while (threads.Any(t => t is null))
        {
            var thread = new Thread(state => Write((int)state!));
            threads[thread.ManagedThreadId % writers] ??= thread;
        }

        void Write(int writer)
        {
            for (var r = 0; r < rounds; r++)
            {
                if (!barrier.SignalAndWait(TestWait.HangGuard))
                {
                    return;
                }

                for (var i = 0; i < perWriter; i++)
                {
                    buffer.Add($"{r}:{writer}:{i}");
                }

                if (!barrier.SignalAndWait(TestWait.HangGuard))
                {
                    return;
                }
            }
        }

        for (var w = 0; w < writers; w++)
        {
            threads[w]!.Start(w);
        }

        for (var r = 0; r < rounds; r++)
        {
            // Act
            Assert.True(barrier.SignalAndWait(TestWait.HangGuard));
            Assert.True(barrier.SignalAndWait(TestWait.HangGuard));
            var drained = new List<string>();
            buffer.Drain(drained.Add);

            // Assert: everything, once, in each writer's own order.
            for (var w = 0; w < writers; w++)
            {
                Assert.Equal(
                    Enumerable.Range(0, perWriter).Select(i => $"{r}:{w}:{i}"),
                    drained.Where(k => k.StartsWith($"{r}:{w}:", StringComparison.Ordinal)));
            }

            Assert.Equal(writers * perWriter, drained.Count);
        }

        foreach (var thread in threads)
        {
            Assert.True(thread!.Join(TestWait.HangGuard));
        }

        Assert.Equal(0, buffer.Dropped);
    }

    [Fact]
    public void Add_ConcurrentWritersAndADrainer_EveryTouchIsDrainedOnceOrCountedDropped()
    {
        // Arrange: writers on their own threads race each other and a drainer that empties the stripes as they fill.
        const int writers = 4;
        const int perWriter = 20_000;
        var buffer = new TouchBuffer(2);
        var keys = Enumerable.Range(0, writers).Select(w => Enumerable.Range(0, perWriter).Select(i => $"{w}:{i}").ToArray()).ToArray();
        var drained = new List<string>();
        var writing = writers;
        var drainer = new Thread(() =>
        {
            while (Volatile.Read(ref writing) > 0)
            {
                buffer.Drain(drained.Add);
            }
        });
        var threads = Enumerable.Range(0, writers).Select(w => new Thread(() =>
        {
            foreach (var key in keys[w])
            {
                buffer.Add(key);
            }

            Interlocked.Decrement(ref writing);
        })).ToArray();

        // Act
        drainer.Start();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads.Append(drainer))
        {
            Assert.True(thread.Join(TestWait.HangGuard));
        }

        buffer.Drain(drained.Add);

        // Assert
        var attempted = keys.SelectMany(k => k).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(drained.Count, drained.ToHashSet(StringComparer.Ordinal).Count);
        Assert.All(drained, k => Assert.Contains(k, attempted));
        Assert.Equal(writers * perWriter, drained.Count + buffer.Dropped);
        Assert.Equal(0, buffer.Pending);
    }

    [Fact]
    public void Add_ConcurrentWritersOverfillingOneStripe_KeepExactlyItsCapacity()
    {
        // Arrange: with nothing draining, one stripe takes exactly its capacity whatever the races, and drops the rest.
        const int writers = 4;
        const int perWriter = 1_000;
        var buffer = new TouchBuffer(1);
        using var start = new Barrier(writers);
        var threads = Enumerable.Range(0, writers).Select(w => new Thread(() =>
        {
            start.SignalAndWait(TestWait.HangGuard);
            for (var i = 0; i < perWriter; i++)
            {
                buffer.Add($"{w}:{i}");
            }
        })).ToArray();

        // Act
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            Assert.True(thread.Join(TestWait.HangGuard));
        }

        var drained = new List<string>();
        buffer.Drain(drained.Add);

        // Assert
        Assert.Equal(StripeCapacity, drained.Count);
        Assert.Equal(StripeCapacity, drained.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(writers * perWriter - StripeCapacity, buffer.Dropped);
    }

    [Fact]
    public void Drain_MovesTheEpochOn()
    {
        // Arrange
        var buffer = new TouchBuffer(stripes: 1);
        var before = buffer.Epoch;

        // Act
        buffer.Drain(static _ => { });
        buffer.Drain(static _ => { });

        // Assert
        Assert.Equal(before + 2, buffer.Epoch);
    }
}

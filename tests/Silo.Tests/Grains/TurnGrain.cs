using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests.Grains;

/// <summary>What a <see cref="ITurnGrain"/> observed about its own turns.</summary>
public sealed record TurnStats(int ExclusiveCalls, int ReadOnlyCalls, int MaxExclusiveInside, int MaxReadersInside, int Violations);

/// <summary>
/// Measures how calls are scheduled on one activation: every turn counts itself in and out, and records a violation
/// when an exclusive turn shares the activation with anything or a read-only turn shares it with an exclusive one.
/// </summary>
public interface ITurnGrain : IGrainWithStringKey
{
    Task<int> ExclusiveAsync();

    [ReadOnly]
    Task<int> ReadAsync();

    Task BlockAsync(Blocker blocker);

    [ReadOnly]
    Task BlockReadAsync(Blocker blocker);

    [ReadOnly]
    Task MeetAsync(Rendezvous rendezvous);

    [AlwaysInterleave]
    ValueTask<int> PeekAsync();

    [AlwaysInterleave]
    Task<int> PeekTaskAsync();

    Task<TurnStats> GetStatsAsync();
}

public sealed class TurnGrain : Grain, ITurnGrain
{
    private int _exclusiveInside;
    private int _readersInside;
    private int _maxExclusiveInside;
    private int _maxReadersInside;
    private int _exclusiveCalls;
    private int _readOnlyCalls;
    private int _violations;

    public async Task<int> ExclusiveAsync()
    {
        EnterExclusive();
        await Task.Yield();
        var inside = Volatile.Read(ref _exclusiveInside);
        Assert.Equal(1, inside);
        var calls = Interlocked.Increment(ref _exclusiveCalls);
        ExitExclusive();
        return calls;
    }

    public async Task<int> ReadAsync()
    {
        EnterRead();
        await Task.Yield();
        Assert.Equal(0, Volatile.Read(ref _exclusiveInside));
        var calls = Interlocked.Increment(ref _readOnlyCalls);
        ExitRead();
        return calls;
    }

    public async Task BlockAsync(Blocker blocker)
    {
        EnterExclusive();
        await blocker.EnterAndWaitAsync();
        ExitExclusive();
    }

    public async Task BlockReadAsync(Blocker blocker)
    {
        EnterRead();
        await blocker.EnterAndWaitAsync();
        ExitRead();
    }

    public async Task MeetAsync(Rendezvous rendezvous)
    {
        EnterRead();
        await rendezvous.ArriveAndWaitAsync();
        ExitRead();
    }

    public ValueTask<int> PeekAsync() => new(Volatile.Read(ref _exclusiveCalls));

    public Task<int> PeekTaskAsync() => Task.FromResult(Volatile.Read(ref _exclusiveCalls));

    public Task<TurnStats> GetStatsAsync() =>
        Task.FromResult(new TurnStats(_exclusiveCalls, _readOnlyCalls, _maxExclusiveInside, _maxReadersInside, _violations));

    private static void RaiseMax(ref int max, int value)
    {
        var current = Volatile.Read(ref max);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref max, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private void EnterExclusive()
    {
        var inside = Interlocked.Increment(ref _exclusiveInside);
        if (inside != 1 || Volatile.Read(ref _readersInside) != 0)
        {
            Interlocked.Increment(ref _violations);
        }

        RaiseMax(ref _maxExclusiveInside, inside);
    }

    private void ExitExclusive() => Interlocked.Decrement(ref _exclusiveInside);

    private void EnterRead()
    {
        var readers = Interlocked.Increment(ref _readersInside);
        if (Volatile.Read(ref _exclusiveInside) != 0)
        {
            Interlocked.Increment(ref _violations);
        }

        RaiseMax(ref _maxReadersInside, readers);
    }

    private void ExitRead() => Interlocked.Decrement(ref _readersInside);
}

public sealed class TurnGrainReference(GrainBinding binding) : GrainReference(binding), ITurnGrain
{
    private static readonly GrainMethod ExclusiveMethod = GrainMethod.Of<ITurnGrain>(nameof(ITurnGrain.ExclusiveAsync));
    private static readonly GrainMethod ReadMethod = GrainMethod.Of<ITurnGrain>(nameof(ITurnGrain.ReadAsync));
    private static readonly GrainMethod BlockMethod = GrainMethod.Of<ITurnGrain>(nameof(ITurnGrain.BlockAsync));
    private static readonly GrainMethod BlockReadMethod = GrainMethod.Of<ITurnGrain>(nameof(ITurnGrain.BlockReadAsync));
    private static readonly GrainMethod MeetMethod = GrainMethod.Of<ITurnGrain>(nameof(ITurnGrain.MeetAsync));
    private static readonly GrainMethod PeekMethod = GrainMethod.Of<ITurnGrain>(nameof(ITurnGrain.PeekAsync));
    private static readonly GrainMethod PeekTaskMethod = GrainMethod.Of<ITurnGrain>(nameof(ITurnGrain.PeekTaskAsync));
    private static readonly GrainMethod GetStatsMethod = GrainMethod.Of<ITurnGrain>(nameof(ITurnGrain.GetStatsAsync));

    public Task<int> ExclusiveAsync() =>
        InvokeAsync<ITurnGrain, int, int>(ExclusiveMethod, 0, static (grain, _) => grain.ExclusiveAsync());

    public Task<int> ReadAsync() =>
        InvokeAsync<ITurnGrain, int, int>(ReadMethod, 0, static (grain, _) => grain.ReadAsync());

    public Task BlockAsync(Blocker blocker) =>
        InvokeAsync<ITurnGrain, Blocker>(BlockMethod, blocker, static (grain, b) => grain.BlockAsync(b));

    public Task BlockReadAsync(Blocker blocker) =>
        InvokeAsync<ITurnGrain, Blocker>(BlockReadMethod, blocker, static (grain, b) => grain.BlockReadAsync(b));

    public Task MeetAsync(Rendezvous rendezvous) =>
        InvokeAsync<ITurnGrain, Rendezvous>(MeetMethod, rendezvous, static (grain, r) => grain.MeetAsync(r));

    public ValueTask<int> PeekAsync() =>
        InvokeAsync<ITurnGrain, int, int>(PeekMethod, 0, static (grain, _) => grain.PeekAsync());

    public Task<int> PeekTaskAsync() =>
        InvokeAsync<ITurnGrain, int, int>(PeekTaskMethod, 0, static (grain, _) => grain.PeekTaskAsync());

    public Task<TurnStats> GetStatsAsync() =>
        InvokeAsync<ITurnGrain, int, TurnStats>(GetStatsMethod, 0, static (grain, _) => grain.GetStatsAsync());
}

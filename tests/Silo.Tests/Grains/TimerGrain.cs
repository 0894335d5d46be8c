using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests.Grains;

/// <summary>How a <see cref="ITimerGrain"/> registers one timer.</summary>
/// <param name="Name">The timer's name in the grain and in recorded ticks.</param>
/// <param name="DueTime">Time until the first tick.</param>
/// <param name="Period">Time between ticks; <see cref="Timeout.InfiniteTimeSpan"/> for one tick.</param>
public sealed record TimerSpec(string Name, TimeSpan DueTime, TimeSpan Period)
{
    /// <summary>The callback throws after recording its tick.</summary>
    public bool Throws { get; init; }

    public bool Interleave { get; init; }

    public bool KeepAlive { get; init; }

    /// <summary>On its first tick the callback calls <see cref="IGrainTimer.Change"/> with these values.</summary>
    public (TimeSpan DueTime, TimeSpan Period)? ChangeOnFirstTick { get; init; }
}

/// <summary>A grain that owns named timers; every tick is reported to the <see cref="GrainProbe"/>.</summary>
public interface ITimerGrain : IGrainWithStringKey
{
    Task StartTimerAsync(TimerSpec spec);

    Task DisposeTimerAsync(string name);

    Task BlockAsync(Blocker blocker);

    /// <summary>An exclusive call: any tick queued before it has run when it returns.</summary>
    Task<int> GetTickCountAsync();
}

public sealed class TimerGrain(GrainProbe probe) : Grain, ITimerGrain
{
    private readonly Dictionary<string, IGrainTimer> _timers = new(StringComparer.Ordinal);
    private int _inside;
    private int _ticks;
    private int _activationId;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _activationId = probe.NextActivationId();
        probe.Record(GrainId, ProbeEventKind.Activated, _activationId, new ActivationSnapshot(false, 0));
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record(GrainId, ProbeEventKind.Deactivated, _activationId, reason);
        return Task.CompletedTask;
    }

    public Task StartTimerAsync(TimerSpec spec)
    {
        var options = new GrainTimerCreationOptions
        {
            DueTime = spec.DueTime,
            Period = spec.Period,
            Interleave = spec.Interleave,
            KeepAlive = spec.KeepAlive,
        };
        _timers[spec.Name] = RegisterGrainTimer(static (state, ct) => state.Grain.OnTick(state.Spec), (Grain: this, Spec: spec), options);
        return Task.CompletedTask;
    }

    public Task DisposeTimerAsync(string name)
    {
        _timers[name].Dispose();
        return Task.CompletedTask;
    }

    public async Task BlockAsync(Blocker blocker)
    {
        Interlocked.Increment(ref _inside);
        await blocker.EnterAndWaitAsync();
        Interlocked.Decrement(ref _inside);
    }

    public Task<int> GetTickCountAsync() => Task.FromResult(Volatile.Read(ref _ticks));

    private Task OnTick(TimerSpec spec)
    {
        var tick = Interlocked.Increment(ref _ticks);
        var overlapped = Volatile.Read(ref _inside) != 0;
        probe.Record(GrainId, ProbeEventKind.TimerTick, _activationId, new TimerTick(spec.Name, TimeProvider.GetUtcNow(), overlapped));
        if (tick == 1 && spec.ChangeOnFirstTick is { } change)
        {
            _timers[spec.Name].Change(change.DueTime, change.Period);
        }

        return spec.Throws ? Task.FromException(new InvalidOperationException($"Timer {spec.Name} failed on purpose.")) : Task.CompletedTask;
    }
}

public sealed class TimerGrainReference(GrainBinding binding) : GrainReference(binding), ITimerGrain
{
    private static readonly GrainMethod StartTimerMethod = GrainMethod.Of<ITimerGrain>(nameof(ITimerGrain.StartTimerAsync));
    private static readonly GrainMethod DisposeTimerMethod = GrainMethod.Of<ITimerGrain>(nameof(ITimerGrain.DisposeTimerAsync));
    private static readonly GrainMethod BlockMethod = GrainMethod.Of<ITimerGrain>(nameof(ITimerGrain.BlockAsync));
    private static readonly GrainMethod GetTickCountMethod = GrainMethod.Of<ITimerGrain>(nameof(ITimerGrain.GetTickCountAsync));

    public Task StartTimerAsync(TimerSpec spec) =>
        InvokeAsync<ITimerGrain, TimerSpec>(StartTimerMethod, spec, static (grain, s) => grain.StartTimerAsync(s));

    public Task DisposeTimerAsync(string name) =>
        InvokeAsync<ITimerGrain, string>(DisposeTimerMethod, name, static (grain, n) => grain.DisposeTimerAsync(n));

    public Task BlockAsync(Blocker blocker) =>
        InvokeAsync<ITimerGrain, Blocker>(BlockMethod, blocker, static (grain, b) => grain.BlockAsync(b));

    public Task<int> GetTickCountAsync() =>
        InvokeAsync<ITimerGrain, int, int>(GetTickCountMethod, 0, static (grain, _) => grain.GetTickCountAsync());
}

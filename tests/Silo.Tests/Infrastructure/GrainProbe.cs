namespace PredictionCache.Silo.Tests.Infrastructure;

/// <summary>What a test grain reported to its silo's <see cref="GrainProbe"/>.</summary>
public enum ProbeEventKind
{
    ActivationAttempt,
    Activated,
    Deactivated,
    TimerTick,
}

/// <summary>One report of a test grain.</summary>
/// <param name="GrainId">The reporting grain.</param>
/// <param name="Kind">What happened.</param>
/// <param name="ActivationId">The reporting activation's number (0 before it has one).</param>
/// <param name="Detail">Kind-specific data: an <see cref="ActivationSnapshot"/>, a <see cref="DeactivationReason"/> or a <see cref="TimerTick"/>.</param>
public sealed record ProbeEvent(GrainId GrainId, ProbeEventKind Kind, int ActivationId, object? Detail);

/// <summary>What an activation saw in <c>OnActivateAsync</c>: its persistent state as read before the call.</summary>
public sealed record ActivationSnapshot(bool RecordExists, int Value);

/// <summary>One timer callback: the timer's name, the silo clock when it ran, and whether another turn was inside.</summary>
public sealed record TimerTick(string Timer, DateTimeOffset At, bool OverlappedATurn);

/// <summary>
/// A per-silo recorder that test grains get from DI: lifecycle events and timer ticks, with awaitable conditions,
/// so tests observe grains without static state and wait without sleeping.
/// </summary>
public sealed class GrainProbe
{
    private readonly object _lock = new();
    private readonly List<ProbeEvent> _events = [];
    private readonly List<(Func<GrainProbe, bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private int _lastActivationId;

    /// <summary>When set, grains that support it hold their first activation attempt inside <c>OnActivateAsync</c> on this blocker.</summary>
    public Blocker? ActivationBlocker { get; set; }

    /// <summary>A number unique within the silo, one per activation.</summary>
    public int NextActivationId() => Interlocked.Increment(ref _lastActivationId);

    public void Record(GrainId grainId, ProbeEventKind kind, int activationId, object? detail = null)
    {
        List<TaskCompletionSource>? satisfied = null;
        lock (_lock)
        {
            _events.Add(new ProbeEvent(grainId, kind, activationId, detail));
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(this))
                {
                    (satisfied ??= []).Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }

        satisfied?.ForEach(done => done.TrySetResult());
    }

    public IReadOnlyList<ProbeEvent> Events(string key, ProbeEventKind kind)
    {
        lock (_lock)
        {
            return _events.Where(e => e.GrainId.Key == key && e.Kind == kind).ToList();
        }
    }

    public int Count(string key, ProbeEventKind kind) => Events(key, kind).Count;

    public IReadOnlyList<ActivationSnapshot> Activations(string key) =>
        Events(key, ProbeEventKind.Activated).Select(e => (ActivationSnapshot)e.Detail!).ToList();

    public IReadOnlyList<DeactivationReason> Deactivations(string key) =>
        Events(key, ProbeEventKind.Deactivated).Select(e => (DeactivationReason)e.Detail!).ToList();

    public IReadOnlyList<TimerTick> Ticks(string key) =>
        Events(key, ProbeEventKind.TimerTick).Select(e => (TimerTick)e.Detail!).ToList();

    /// <summary>Completes when <paramref name="condition"/> holds (checked now and after every report), or fails after <see cref="TestSilo.Timeout"/>.</summary>
    public Task WaitUntilAsync(Func<GrainProbe, bool> condition)
    {
        lock (_lock)
        {
            if (condition(this))
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((condition, done));
            return done.Task.WaitAsync(TestSilo.Timeout);
        }
    }
}

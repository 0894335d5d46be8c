using PredictionCache.Silo.Runtime;
using PredictionCache.Silo.Timers;

namespace PredictionCache.Silo;

/// <summary>
/// Base class of grain implementations, as Orleans' <c>Grain</c>: identity, lifecycle hooks, timers and
/// self-deactivation. The host constructs the grain, binds it to its activation, reads its persistent state,
/// then calls <see cref="OnActivateAsync"/> in the activation's first turn.
/// </summary>
public abstract class Grain : IAddressable
{
    private ActivationData? _activation;

    /// <inheritdoc />
    public GrainId GrainId => Activation.GrainId;

    /// <summary>The factory for references to other grains.</summary>
    protected IGrainFactory GrainFactory => Activation.Runtime.GrainFactory;

    /// <summary>The silo's clock.</summary>
    protected TimeProvider TimeProvider => Activation.Runtime.TimeProvider;

    internal ActivationData Activation =>
        _activation ?? throw new InvalidOperationException("The grain is not bound to an activation yet; do not use it from its constructor.");

    /// <summary>The grain's primary key.</summary>
    public string GetPrimaryKeyString() => GrainId.Key;

    /// <summary>Called in the activation's first turn, after persistent state was read.</summary>
    /// <param name="cancellationToken">Cancelled when the silo stops.</param>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called in the activation's last turn; its timers are disposed after it returns.</summary>
    /// <param name="reason">Why the activation ends.</param>
    /// <param name="cancellationToken">Cancelled when the silo stops.</param>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this activation once the current turn ends, as Orleans' <c>DeactivateOnIdle</c>.</summary>
    protected void DeactivateOnIdle() =>
        Activation.RequestDeactivation(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle"));

    /// <summary>
    /// Registers a timer on the silo's shared timer wheel, as Orleans' <c>RegisterGrainTimer</c>: each tick runs
    /// <paramref name="callback"/> as a turn of this activation; ticks never overlap; disposing the timer (or
    /// deactivating) cancels it.
    /// </summary>
    protected IGrainTimer RegisterGrainTimer<TState>(
        Func<TState, CancellationToken, Task> callback,
        TState state,
        GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentNullException.ThrowIfNull(options);
        return Activation.RegisterTimer(new GrainTimer<TState>(Activation, callback, state, options), options);
    }

    /// <summary>
    /// Runs <paramref name="work"/> as an exclusive turn of this activation. Grains use it to bring the result of
    /// work they started outside a turn back into the actor, as Orleans does by resuming an awaited task on the
    /// activation's scheduler.
    /// </summary>
    /// <returns>False when the activation was deactivated before the turn could run; the work did not run.</returns>
    protected Task<bool> RunInTurnAsync(Func<Task> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Activation.RunInTurnAsync(work, cancellationToken);
    }

    internal void Bind(ActivationData activation) => _activation = activation;
}

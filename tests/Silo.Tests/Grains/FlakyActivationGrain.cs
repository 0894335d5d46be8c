using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests.Grains;

/// <summary>
/// A grain whose first activation attempt (per key) throws from <c>OnActivateAsync</c>, after waiting on
/// <see cref="GrainProbe.ActivationBlocker"/> when a test set one.
/// </summary>
public interface IFlakyActivationGrain : IGrainWithStringKey
{
    /// <summary>Returns how many activation attempts this key has seen.</summary>
    Task<int> GetAttemptAsync();
}

public sealed class FlakyActivationGrain(GrainProbe probe) : Grain, IFlakyActivationGrain
{
    private int _attempt;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Record(GrainId, ProbeEventKind.ActivationAttempt, 0);
        _attempt = probe.Count(GrainId.Key, ProbeEventKind.ActivationAttempt);
        if (_attempt == 1)
        {
            if (probe.ActivationBlocker is { } blocker)
            {
                await blocker.EnterAndWaitAsync();
            }

            throw new InvalidOperationException("The first activation fails on purpose.");
        }

        probe.Record(GrainId, ProbeEventKind.Activated, probe.NextActivationId(), new ActivationSnapshot(false, 0));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record(GrainId, ProbeEventKind.Deactivated, 0, reason);
        return Task.CompletedTask;
    }

    public Task<int> GetAttemptAsync() => Task.FromResult(_attempt);
}

public sealed class FlakyActivationGrainReference(GrainBinding binding) : GrainReference(binding), IFlakyActivationGrain
{
    private static readonly GrainMethod GetAttemptMethod = GrainMethod.Of<IFlakyActivationGrain>(nameof(IFlakyActivationGrain.GetAttemptAsync));

    public Task<int> GetAttemptAsync() =>
        InvokeAsync<IFlakyActivationGrain, int, int>(GetAttemptMethod, 0, static (grain, _) => grain.GetAttemptAsync());
}

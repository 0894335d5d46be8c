using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests.Grains;

/// <summary>A grain that idle collection must never deactivate.</summary>
public interface IAlwaysActiveGrain : IGrainWithStringKey
{
    Task PingAsync();
}

[CollectionAgeLimit(AlwaysActive = true)]
public sealed class AlwaysActiveGrain(GrainProbe probe) : Grain, IAlwaysActiveGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Record(GrainId, ProbeEventKind.Activated, probe.NextActivationId(), new ActivationSnapshot(false, 0));
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record(GrainId, ProbeEventKind.Deactivated, 0, reason);
        return Task.CompletedTask;
    }

    public Task PingAsync() => Task.CompletedTask;
}

public sealed class AlwaysActiveGrainReference(GrainBinding binding) : GrainReference(binding), IAlwaysActiveGrain
{
    private static readonly GrainMethod PingMethod = GrainMethod.Of<IAlwaysActiveGrain>(nameof(IAlwaysActiveGrain.PingAsync));

    public Task PingAsync() => InvokeAsync<IAlwaysActiveGrain, int>(PingMethod, 0, static (grain, _) => grain.PingAsync());
}

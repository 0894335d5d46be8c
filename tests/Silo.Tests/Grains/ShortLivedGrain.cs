using PredictionCache.Silo.Tests.Infrastructure;

namespace PredictionCache.Silo.Tests.Grains;

/// <summary>A grain whose class sets its own collection age of 2 minutes.</summary>
public interface IShortLivedGrain : IGrainWithStringKey
{
    Task PingAsync();
}

[CollectionAgeLimit(Minutes = 2)]
public sealed class ShortLivedGrain(GrainProbe probe) : Grain, IShortLivedGrain
{
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record(GrainId, ProbeEventKind.Deactivated, 0, reason);
        return Task.CompletedTask;
    }

    public Task PingAsync() => Task.CompletedTask;
}

public sealed class ShortLivedGrainReference(GrainBinding binding) : GrainReference(binding), IShortLivedGrain
{
    private static readonly GrainMethod PingMethod = GrainMethod.Of<IShortLivedGrain>(nameof(IShortLivedGrain.PingAsync));

    public Task PingAsync() => InvokeAsync<IShortLivedGrain, int>(PingMethod, 0, static (grain, _) => grain.PingAsync());
}

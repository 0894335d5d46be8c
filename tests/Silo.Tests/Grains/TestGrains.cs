namespace PredictionCache.Silo.Tests.Grains;

/// <summary>A grain interface no silo registers.</summary>
public interface IUnregisteredGrain : IGrainWithStringKey;

/// <summary>Registers every test grain with its hand-written reference.</summary>
public static class TestGrains
{
    public static ISiloBuilder Register(ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return silo
            .AddGrain<ICounterGrain, CounterGrain>(binding => new CounterGrainReference(binding))
            .AddGrain<ILedgerGrain, LedgerGrain>(binding => new LedgerGrainReference(binding))
            .AddGrain<ITurnGrain, TurnGrain>(binding => new TurnGrainReference(binding))
            .AddGrain<ITimerGrain, TimerGrain>(binding => new TimerGrainReference(binding))
            .AddGrain<IAlwaysActiveGrain, AlwaysActiveGrain>(binding => new AlwaysActiveGrainReference(binding))
            .AddGrain<IShortLivedGrain, ShortLivedGrain>(binding => new ShortLivedGrainReference(binding))
            .AddGrain<IFlakyActivationGrain, FlakyActivationGrain>(binding => new FlakyActivationGrainReference(binding))
            .AddGrain<IDeactivatorGrain, DeactivatorGrain>(binding => new DeactivatorGrainReference(binding));
    }
}

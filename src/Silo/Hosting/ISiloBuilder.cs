using Microsoft.Extensions.DependencyInjection;

namespace PredictionCache.Silo;

/// <summary>Configures the silo: grain classes and storage providers, as Orleans' <c>ISiloBuilder</c>.</summary>
public interface ISiloBuilder
{
    /// <summary>The host's services.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// Registers <typeparamref name="TGrain"/> as the implementation of <typeparamref name="TInterface"/>, with the
    /// factory for its hand-written reference class.
    /// </summary>
    ISiloBuilder AddGrain<TInterface, TGrain>(Func<GrainBinding, TInterface> createReference)
        where TInterface : class, IGrainWithStringKey
        where TGrain : Grain, TInterface;

    /// <summary>Registers in-memory grain storage under <paramref name="name"/>.</summary>
    ISiloBuilder AddMemoryGrainStorage(string name = SiloBuilder.DefaultStorageName);
}

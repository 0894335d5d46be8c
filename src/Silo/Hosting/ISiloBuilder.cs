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

    /// <summary>
    /// Registers the grain storage <c>Storage:Provider</c> names under <paramref name="name"/>: <c>sqlite</c> or
    /// <c>postgres</c> (a <see cref="StorageDatabase"/> on <c>Storage:ConnectionString</c>) or <c>memory</c>.
    /// </summary>
    ISiloBuilder AddGrainStorage(string name = SiloBuilder.DefaultStorageName);

    /// <summary>
    /// Maps <typeparamref name="TGrain"/>'s state <paramref name="stateName"/> to its own table, and registers the
    /// table's upkeep handle <see cref="IGrainStateTable{TState}"/>. SQL providers need a mapping for every state.
    /// </summary>
    ISiloBuilder AddStateTable<TGrain, TState>(string stateName, GrainStateTable<TState> table, string storageName = SiloBuilder.DefaultStorageName)
        where TGrain : Grain;
}

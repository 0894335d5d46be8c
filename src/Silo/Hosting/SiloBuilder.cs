using Microsoft.Extensions.DependencyInjection;
using PredictionCache.Silo.Runtime;
using PredictionCache.Silo.Storage;

namespace PredictionCache.Silo;

/// <summary>The default <see cref="ISiloBuilder"/>.</summary>
public sealed class SiloBuilder : ISiloBuilder
{
    /// <summary>The name of the storage provider a <see cref="PersistentStateAttribute"/> without a name uses.</summary>
    public const string DefaultStorageName = "Default";

    internal SiloBuilder(IServiceCollection services) => Services = services;

    /// <inheritdoc />
    public IServiceCollection Services { get; }

    /// <inheritdoc />
    public ISiloBuilder AddGrain<TInterface, TGrain>(Func<GrainBinding, TInterface> createReference)
        where TInterface : class, IGrainWithStringKey
        where TGrain : Grain, TInterface
    {
        ArgumentNullException.ThrowIfNull(createReference);
        Services.AddSingleton(new GrainRegistration(typeof(TInterface), typeof(TGrain), createReference));
        return this;
    }

    /// <inheritdoc />
    public ISiloBuilder AddMemoryGrainStorage(string name = DefaultStorageName)
    {
        Services.AddKeyedSingleton<IGrainStorage, MemoryGrainStorage>(name);
        return this;
    }
}

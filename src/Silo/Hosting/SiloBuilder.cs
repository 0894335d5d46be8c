using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
        Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new MemoryGrainStorage(sp.GetRequiredService<TimeProvider>()));
        return this;
    }

    /// <inheritdoc />
    public ISiloBuilder AddGrainStorage(string name = DefaultStorageName)
    {
        Services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return new StorageDatabase(
                StorageDialect.For(options.Provider),
                options.EffectiveConnectionString!,
                options.MaxWriteBatch,
                sp.GetRequiredService<ILogger<StorageDatabase>>());
        });
        Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) =>
            sp.GetRequiredService<IOptions<StorageOptions>>().Value.IsDurable
                ? new AdoNetGrainStorage(
                    sp.GetRequiredService<StorageDatabase>(),
                    sp.GetRequiredService<TimeProvider>(),
                    sp.GetServices<StateTableRegistration>())
                : new MemoryGrainStorage(sp.GetRequiredService<TimeProvider>()));
        return this;
    }

    /// <inheritdoc />
    public ISiloBuilder AddStateTable<TGrain, TState>(string stateName, GrainStateTable<TState> table, string storageName = DefaultStorageName)
        where TGrain : Grain
    {
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        ArgumentNullException.ThrowIfNull(table);
        var registration = new StateTableRegistration(GrainType.NameOf(typeof(TGrain)), stateName, typeof(TState), table);
        Services.AddSingleton(registration);
        Services.AddSingleton<IGrainStateTable<TState>>(sp =>
            sp.GetRequiredKeyedService<IGrainStorage>(storageName) is IGrainStateTableProvider provider
                ? provider.GetTable(registration.GrainType, stateName, table)
                : throw new InvalidOperationException($"The grain storage '{storageName}' keeps no state tables."));
        return this;
    }
}

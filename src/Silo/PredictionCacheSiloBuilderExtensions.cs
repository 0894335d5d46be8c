using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Storage;
using PredictionCache.Grains;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Placement;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Storage;
using PredictionCache.Silo.Telemetry;
using PredictionCache.Silo.Placement;
using PredictionCache.Silo.Storage;

namespace PredictionCache.Silo;

/// <summary>The silo's composition: what a silo of the prediction cache needs beside Orleans itself.</summary>
public static class PredictionCacheSiloBuilderExtensions
{
    /// <summary>The grain type of the prediction grain, as its storage table is registered under.</summary>
    internal const string PredictionGrainType = "predictioncache.prediction";

    /// <summary>
    /// Adds the prediction cache to a silo: its grains' services, the grain storage <c>Storage:Provider</c> names
    /// (<c>sqlite</c>, <c>postgres</c> or <c>memory</c>) with the SQL job store, schema migration and upkeep, the
    /// placement of silo-bound grains, OpenTelemetry (<see cref="SiloTelemetry"/>), the grain-call metrics filter and the
    /// Orleans Dashboard's silo part. Clustering
    /// is the host's (<see cref="UseConfiguredClustering(ISiloBuilder, IConfiguration)"/>, or a test cluster's own).
    /// </summary>
    public static ISiloBuilder AddPredictionCacheSilo(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var services = silo.Services;
        services.AddPredictionCache();
        services.AddPredictionCacheTelemetry(silo.Configuration);
        services.AddValidatedOptions<SiloMetricsOptions>(SiloMetricsOptions.SectionName);
        services.TryAddSingleton<SiloMetrics>();
        silo.AddIncomingGrainCallFilter<GrainCallMetricsFilter>();

        // A request's trace goes on through its grain calls (Orleans does not flow Activity.Current into a grain turn):
        // an inference is then a span of the request that started it. Unless Orleans:EnableDistributedTracing added it.
        if (!services.Any(d => d.ServiceType == typeof(IIncomingGrainCallFilter) && d.ImplementationType?.Name == "ActivityPropagationIncomingGrainCallFilter"))
        {
            silo.AddActivityPropagation();
        }

        silo.AddPlacementDirector<SiloBoundPlacement, SiloBoundPlacementDirector>();
        // The dashboard's live log stream stays off: the gateway serves the dashboard to whoever holds its key.
        silo.AddDashboard(dashboard => dashboard.HideTrace = true);
        AddStorage(services);
        return silo;
    }

    /// <summary>
    /// What a gateway that is only an Orleans client of a grain tier needs to serve requests: the cache's front door
    /// (<c>PredictionService</c>: every call goes to a grain on a silo), the models for validation and normalization,
    /// the shared SQL job store (jobs are read and waited on where the silos write them), telemetry and the Orleans
    /// Dashboard's client part. Storage must be one the silos share (<c>sqlite</c> on one machine, <c>postgres</c>): jobs
    /// in a silo's memory are out of a client's reach.
    /// </summary>
    public static IClientBuilder AddPredictionCacheClient(this IClientBuilder client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var services = client.Services;
        services.AddPredictionCache();
        services.AddPredictionCacheTelemetry(client.Configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, SharedStorageValidator>());

        // The gateway maps the Orleans Dashboard whatever its topology; on a client it reads the silos' dashboard grains.
        client.AddDashboard(dashboard => dashboard.HideTrace = true);
        AddStorage(services);
        return client;
    }

    /// <summary>
    /// Clustering as Orleans' own configuration section says (<c>Orleans:Clustering:ProviderType</c>, applied by
    /// <c>UseOrleans</c>); without an <c>Orleans:Clustering</c> section, a single-node cluster on this machine that needs
    /// no server, on <c>Orleans:Endpoints:SiloPort</c> (default 11111) and <c>Orleans:Endpoints:GatewayPort</c> (default
    /// 30000; 0: no gateway for clients). Two nodes on one machine need ports of their own: Orleans listens with
    /// SO_REUSEPORT, so a second process on the same ports starts without an error. With Redis clustering the grain
    /// directory is Orleans' Redis directory on the same server (unless an <c>Orleans:GrainDirectory</c> section names
    /// one), so each key has one registration cluster-wide, and membership runs on <see cref="ClusterTopology"/>'s timings.
    /// </summary>
    public static ISiloBuilder UseConfiguredClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        if (!configuration.GetSection("Orleans:Clustering").Exists())
        {
            var endpoints = configuration.GetSection("Orleans:Endpoints");
            silo.UseLocalhostClustering(
                siloPort: endpoints.GetValue("SiloPort", EndpointOptions.DEFAULT_SILO_PORT),
                gatewayPort: endpoints.GetValue("GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT),
                serviceId: configuration["Orleans:ServiceId"] ?? ClusterTopology.DefaultId,
                clusterId: configuration["Orleans:ClusterId"] ?? ClusterTopology.DefaultId);
            silo.Services.TryAddSingleton<SingleNodeClustering>();
            return silo;
        }

        ClusterTopology.ConfigureIds(silo.Services, configuration);
        ClusterTopology.ConfigureMembership(silo.Services, configuration);
        if (ClusterTopology.RedisConnectionString(configuration) is { } redis && !configuration.GetSection("Orleans:GrainDirectory").Exists())
        {
            silo.UseRedisGrainDirectoryAsDefault(directory => directory.ConfigurationOptions = ClusterTopology.RedisOptions(redis));
        }

        return silo;
    }

    /// <summary>
    /// A gateway's Orleans client, connecting to the grain tier as <see cref="UseConfiguredClustering(ISiloBuilder, IConfiguration)"/>
    /// would place a silo: Orleans' <c>Orleans:Clustering</c> section, or, without one, the silo on this machine at
    /// <c>Orleans:Endpoints:GatewayPort</c> (default 30000).
    /// </summary>
    public static IClientBuilder UseConfiguredClustering(this IClientBuilder client, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(configuration);
        if (!configuration.GetSection("Orleans:Clustering").Exists())
        {
            client.UseLocalhostClustering(
                gatewayPort: configuration.GetSection("Orleans:Endpoints").GetValue("GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT),
                serviceId: configuration["Orleans:ServiceId"] ?? ClusterTopology.DefaultId,
                clusterId: configuration["Orleans:ClusterId"] ?? ClusterTopology.DefaultId);
        }
        else
        {
            ClusterTopology.ConfigureIds(client.Services, configuration);
        }

        return client;
    }

    private static void AddStorage(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageConnectionStringValidator>());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return new StorageDatabase(
                StorageDialect.For(options.Provider),
                options.EffectiveConnectionString!,
                options.MaxWriteBatch,
                sp.GetRequiredService<ILogger<StorageDatabase>>());
        });
        var entries = new StateTableRegistration(PredictionGrainType, PredictionGrain.StateName, typeof(CacheEntry), new CacheEntryTable());
        services.AddSingleton(entries);
        services.AddKeyedSingleton<IGrainStorage>(PredictionGrain.StorageName, (sp, _) =>
            sp.GetRequiredService<IOptions<StorageOptions>>().Value.IsDurable
                ? new AdoNetGrainStorage(sp.GetRequiredService<StorageDatabase>(), sp.GetRequiredService<TimeProvider>(), sp.GetServices<StateTableRegistration>())
                : new MemoryTableGrainStorage(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IGrainStateTable<CacheEntry>>(sp =>
            ((IGrainStateTableProvider)sp.GetRequiredKeyedService<IGrainStorage>(PredictionGrain.StorageName))
                .GetTable(entries.GrainType, entries.StateName, (GrainStateTable<CacheEntry>)entries.Table));
        services.Replace(ServiceDescriptor.Singleton<IJobStore>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.IsDurable
            ? ActivatorUtilities.CreateInstance<SqlJobStore>(sp)
            : ActivatorUtilities.CreateInstance<MemoryJobStore>(sp)));
        services.TryAddSingleton<CacheStorageService>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<CacheStorageService>());
        services.TryAddSingleton<DeadSiloJobSettler>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<DeadSiloJobSettler>());
    }
}

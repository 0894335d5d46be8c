using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using StackExchange.Redis;

namespace PredictionCache.Silo;

/// <summary>
/// The cluster's settings beside Orleans' own section: membership timings tuned for a cache (a dead node's keys should
/// move in seconds, not the half-minute of Orleans' defaults), overridable under <c>Orleans:Membership</c>, and the
/// Redis server clustering names.
/// </summary>
public static class ClusterTopology
{
    /// <summary>The cluster and service id when <c>Orleans:ClusterId</c> / <c>Orleans:ServiceId</c> are not set.</summary>
    public const string DefaultId = "predictioncache";

    /// <summary>The section whose keys override the membership timings (<see cref="ClusterMembershipOptions"/>' property names).</summary>
    public const string MembershipSection = "Orleans:Membership";

    /// <summary>
    /// Seconds a probe of another silo may take before it counts as missed (<c>Orleans:Membership:ProbeTimeout</c>;
    /// Orleans' default 5). With <see cref="MissedProbesLimit"/> missed probes and two votes a silo is declared dead.
    /// </summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Missed probes before a silo is suspected (<c>Orleans:Membership:NumMissedProbesLimit</c>; Orleans' default 3).</summary>
    public const int MissedProbesLimit = 3;

    /// <summary>
    /// How often each silo reads the membership table (<c>Orleans:Membership:TableRefreshTimeout</c>; Orleans' default
    /// 60 s): the latest a silo learns of a death it did not vote on. Reading Redis is cheap.
    /// </summary>
    public static readonly TimeSpan TableRefresh = TimeSpan.FromSeconds(5);

    /// <summary>Membership timings: this class's defaults, then whatever <see cref="MembershipSection"/> sets.</summary>
    public static void ConfigureMembership(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ClusterMembershipOptions>()
            .Configure(membership =>
            {
                membership.ProbeTimeout = ProbeTimeout;
                membership.NumMissedProbesLimit = MissedProbesLimit;
                membership.TableRefreshTimeout = TableRefresh;
            })
            .Bind(configuration.GetSection(MembershipSection));
    }

    /// <summary>The Redis connection string of <c>Orleans:Clustering</c> when its provider is Redis; else null.</summary>
    public static string? RedisConnectionString(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var clustering = configuration.GetSection("Orleans:Clustering");
        if (!string.Equals(clustering["ProviderType"], "Redis", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var connectionString = clustering["ConnectionString"];
        if (string.IsNullOrWhiteSpace(connectionString) && clustering["ConnectionName"] is { Length: > 0 } name)
        {
            connectionString = configuration.GetConnectionString(name);
        }

        return string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException(
                "Orleans:Clustering:ProviderType is Redis but Orleans:Clustering:ConnectionString is missing (e.g. 127.0.0.1:6379).")
            : connectionString;
    }

    /// <summary>
    /// StackExchange.Redis options from <paramref name="connectionString"/> for the grain directory: a lost connection is
    /// retried in the background (<c>abortConnect=false</c>) and, while it is down, a command fails at once instead of
    /// waiting in the backlog (<see cref="BacklogPolicy.FailFast"/>): during a Redis outage a request for a key whose
    /// activation is not known here gets its <c>503</c> in about a second (Orleans' placement retries), not after 30.
    /// </summary>
    public static ConfigurationOptions RedisOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return options;
    }

    /// <summary>The cluster and service ids when Orleans' section leaves them out: <see cref="DefaultId"/>, not Orleans' <c>default</c>.</summary>
    public static void ConfigureIds(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.PostConfigure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = configuration["Orleans:ClusterId"] is { Length: > 0 } clusterId ? clusterId : DefaultId;
            cluster.ServiceId = configuration["Orleans:ServiceId"] is { Length: > 0 } serviceId ? serviceId : DefaultId;
        });
    }
}

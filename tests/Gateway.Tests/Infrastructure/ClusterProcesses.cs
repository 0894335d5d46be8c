using System.Globalization;
using System.Text;
using Npgsql;
using PredictionCache.TestKit;

namespace PredictionCache.Gateway.Tests.Infrastructure;

/// <summary>
/// A cluster of real processes on one throwaway Redis (Orleans membership and grain directory) and one PostgreSQL
/// database of the test's own (entries and jobs), every node calling one <see cref="FakeModelServer"/> as the model
/// <c>remote</c>, so the model server counts the inferences of the whole cluster. Co-hosted (gateways that are silos)
/// or a grain tier (<c>src/Silo</c> processes, and gateways with <c>Gateway:Topology=Client</c>). Each node keeps its
/// HTTP and Orleans ports for its life, so a killed gateway restarts where it was. Disposing ends everything it started.
/// </summary>
internal sealed class ClusterProcesses : IAsyncDisposable
{
    /// <summary>
    /// Only a guard against a hang, for what waits on membership (a death declared after missed probes, a node seen
    /// joining): seconds normally; on a busy machine the probes themselves are late.
    /// </summary>
    public static readonly TimeSpan MembershipGuard = TimeSpan.FromSeconds(120);

    private readonly List<Node> _nodes = [];
    private readonly HashSet<int> _ports = [];

    private ClusterProcesses(RedisServer redis, TestDatabase database, FakeModelServer model)
    {
        Redis = redis;
        Database = database;
        Model = model;
    }

    public RedisServer Redis { get; }

    public TestDatabase Database { get; }

    public FakeModelServer Model { get; }

    /// <summary>
    /// A client of each gateway's address, in start order, kept across a restart. Its timeout is <see cref="MembershipGuard"/>:
    /// a request that waits on the cluster (a call to a node that died, until Orleans' response timeout) is answered
    /// <c>503</c> after half a minute, and on a busy machine later.
    /// </summary>
    public IReadOnlyList<HttpClient> Clients => [.. _nodes.Where(static n => n.Address is not null).Select(static n => n.Client!)];

    /// <summary>
    /// Starts a cluster of <paramref name="nodes"/> co-hosted gateways (each a silo) and waits until every one of them
    /// sees all of them active.
    /// </summary>
    public static async Task<ClusterProcesses> StartCoHostedAsync(int nodes)
    {
        var cluster = await CreateAsync();
        try
        {
            for (var i = 0; i < nodes; i++)
            {
                cluster._nodes.Add(Node.NewGateway(cluster.SharedSettings(), cluster.NextPort, silo: true));
            }

            await Task.WhenAll(cluster._nodes.Select(static n => n.StartAsync()));
            await cluster.WaitForActiveSilosAsync(nodes);
            return cluster;
        }
        catch (Exception ex)
        {
            var output = cluster.Output;
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"The cluster did not start: {ex.Message}\n{output}", ex);
        }
    }

    /// <summary>
    /// Starts <paramref name="silos"/> grain-tier silos (<c>src/Silo</c>), then <paramref name="gateways"/> gateways that
    /// are only their Orleans clients, and waits until every gateway sees all the silos active.
    /// </summary>
    public static async Task<ClusterProcesses> StartGrainTierAsync(int silos, int gateways)
    {
        var cluster = await CreateAsync();
        try
        {
            for (var i = 0; i < silos; i++)
            {
                cluster._nodes.Add(Node.NewSilo(cluster.SharedSettings(), cluster.NextPort));
            }

            await Task.WhenAll(cluster._nodes.Select(static n => n.StartAsync()));
            for (var i = 0; i < gateways; i++)
            {
                cluster._nodes.Add(Node.NewGateway([.. cluster.SharedSettings(), "--Gateway:Topology=Client"], cluster.NextPort, silo: false));
            }

            await Task.WhenAll(cluster._nodes.Where(static n => n.Address is not null).Select(static n => n.StartAsync()));
            await cluster.WaitForActiveSilosAsync(silos);
            return cluster;
        }
        catch (Exception ex)
        {
            var output = cluster.Output;
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"The cluster did not start: {ex.Message}\n{output}", ex);
        }
    }

    /// <summary>The silo endpoint (<c>127.0.0.1:port</c>, its address without the generation) of gateway <paramref name="gateway"/>.</summary>
    public string SiloEndpointOf(int gateway) => GatewayNode(gateway).SiloEndpoint
        ?? throw new InvalidOperationException($"Gateway {gateway} is an Orleans client, not a silo.");

    /// <summary>Kills gateway <paramref name="gateway"/> with SIGKILL; returns its exit code. Its ports stay its own.</summary>
    public Task<int> KillAsync(int gateway)
    {
        var node = GatewayNode(gateway);
        node.Killed = true;
        return node.Gateway!.KillAsync();
    }

    /// <summary>Starts killed gateway <paramref name="gateway"/> again on the same HTTP, silo and gateway ports (the same client reaches it).</summary>
    public async Task RestartAsync(int gateway)
    {
        var node = GatewayNode(gateway);
        Assert.True(node.Gateway!.HasExited, $"Gateway {gateway} is running; kill it first.");
        await node.Gateway.DisposeAsync();
        node.Retired.Add(node.Gateway.Output);
        await node.StartAsync();
        node.Killed = false;
    }

    /// <summary>Fails naming the node when any process of the cluster has exited that the test did not kill.</summary>
    public void AssertAllRunning()
    {
        for (var i = 0; i < _nodes.Count; i++)
        {
            Assert.False(_nodes[i].HasExited && !_nodes[i].Killed, $"Node {i} ({_nodes[i].Kind}) exited.\n{_nodes[i].Output}");
        }
    }

    /// <summary>
    /// Waits until <c>GET /cluster</c> on every live gateway lists exactly <paramref name="count"/> active silos (a
    /// <c>503</c> while the cluster settles is asked again).
    /// </summary>
    public async Task WaitForActiveSilosAsync(int count)
    {
        foreach (var node in _nodes.Where(static n => n.Address is not null && !n.HasExited))
        {
            await ClusterHttp.PollUntilAsync(
                async () => await ClusterHttp.TryGetClusterAsync(node.Client!) is { } members && members.Count(static m => m.Status == "active") == count,
                $"{node.Address} to list {count} active silos",
                MembershipGuard);
        }
    }

    /// <summary>How many jobs the shared store holds as processing (none is left so once the cluster has settled).</summary>
    public async Task<long> CountProcessingJobsAsync()
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM jobs WHERE status = 'processing'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The last lines every process printed, for a failure message.</summary>
    public string Output
    {
        get
        {
            var text = new StringBuilder();
            for (var i = 0; i < _nodes.Count; i++)
            {
                var output = _nodes[i].Output;
                text.Append(CultureInfo.InvariantCulture, $"--- node {i} ({_nodes[i].Kind}) ---\n")
                    .AppendLine(output.Length > 6000 ? output[^6000..] : output);
            }

            return text.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The processes first: a node that lost Redis or its database would only log about it.
        await Task.WhenAll(_nodes.Select(static n => n.DisposeAsync().AsTask()));
        await Model.DisposeAsync();
        await Redis.DisposeAsync();
        await Database.DisposeAsync();
    }

    private static async Task<ClusterProcesses> CreateAsync()
    {
        var redis = await RedisServer.StartAsync();
        TestDatabase? database = null;
        try
        {
            database = await TestDatabase.CreateAsync(TestDatabase.Postgres);
            return new ClusterProcesses(redis, database, await FakeModelServer.StartAsync());
        }
        catch
        {
            if (database is not null)
            {
                await database.DisposeAsync();
            }

            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>A free port no other node of this cluster was given (two picks of the OS can repeat).</summary>
    private int NextPort()
    {
        while (true)
        {
            var port = FreePorts.Next();
            if (_ports.Add(port))
            {
                return port;
            }
        }
    }

    private Node GatewayNode(int gateway) => _nodes.Where(static n => n.Address is not null).ElementAt(gateway);

    /// <summary>What every node is given: the cluster, the shared storage and the one model.</summary>
    private string[] SharedSettings() =>
    [
        "--Orleans:Clustering:ProviderType=Redis",
        $"--Orleans:Clustering:ConnectionString={Redis.ConnectionString}",
        "--Orleans:Endpoints:AdvertisedIPAddress=127.0.0.1",
        $"--Storage:Provider={Database.Provider}",
        $"--Storage:ConnectionString={Database.ConnectionString}",
        "--Models:0:Name=remote",
        "--Models:0:Backend=http",
        $"--Models:0:BaseUrl={Model.BaseUrl}",

        // A held request stays in flight until the test releases it or its node dies: no attempt timeout, and no retry
        // that would count as a second inference.
        "--Models:0:TimeoutSeconds=3600",
        "--Models:0:MaxRetries=0",

        // Four lines per upstream call would push what matters out of the output a failure shows.
        "--Logging:LogLevel:System.Net.Http.HttpClient=Warning",
    ];

    /// <summary>One node across its restarts: its kind, its own ports (fixed at creation) and its current process.</summary>
    private sealed class Node
    {
        private readonly string[] _settings;

        private Node(string kind, Uri? address, int? siloPort, string[] settings)
        {
            Kind = kind;
            Address = address;
            Client = address is null ? null : new HttpClient { BaseAddress = address, Timeout = MembershipGuard };
            _settings = settings;
            SiloEndpoint = siloPort is { } port ? string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}") : null;
        }

        public string Kind { get; }

        /// <summary>The HTTP address of a gateway; null for a grain-tier silo.</summary>
        public Uri? Address { get; }

        /// <summary>A client of <see cref="Address"/>; null for a grain-tier silo.</summary>
        public HttpClient? Client { get; }

        /// <summary><c>127.0.0.1:port</c> of its silo; null for a gateway that is only a client.</summary>
        public string? SiloEndpoint { get; }

        public GatewayProcess? Gateway { get; private set; }

        /// <summary>A grain-tier silo (<c>src/Silo</c>); null for a gateway.</summary>
        public HostProcess? Silo { get; private set; }

        /// <summary>The output of its earlier, killed processes.</summary>
        public List<string> Retired { get; } = [];

        /// <summary>True from a kill until a restart.</summary>
        public bool Killed { get; set; }

        public bool HasExited => Gateway?.HasExited ?? Silo?.HasExited ?? false;

        public string Output => string.Concat(Retired.Select(static o => o + "--- restarted ---\n")) + (Gateway?.Output ?? Silo?.Output ?? "");

        /// <summary>A gateway; with <paramref name="silo"/>, co-hosting a silo on ports of its own.</summary>
        public static Node NewGateway(string[] settings, Func<int> nextPort, bool silo)
        {
            var address = new Uri($"http://127.0.0.1:{nextPort()}");
            if (!silo)
            {
                return new Node("client gateway", address, null, settings);
            }

            var siloPort = nextPort();
            return new Node("gateway", address, siloPort, [.. settings, .. Ports(siloPort, nextPort())]);
        }

        /// <summary>A grain-tier silo: a silo port, and a gateway port for the gateways that are its clients.</summary>
        public static Node NewSilo(string[] settings, Func<int> nextPort)
        {
            var siloPort = nextPort();
            return new Node("silo", null, siloPort, [.. settings, .. Ports(siloPort, nextPort())]);
        }

        public async Task StartAsync()
        {
            if (Address is null)
            {
                Silo = await HostProcess.StartAsync(
                    HostProcess.BuiltNextToTests("PredictionCache.Silo.dll"), "silo", ["--Logging:LogLevel:Orleans.Runtime.Watchdog=Error", .. _settings]);
            }
            else
            {
                Gateway = await GatewayProcess.StartAsync(Address, _settings);
            }
        }

        public async ValueTask DisposeAsync()
        {
            Client?.Dispose();
            if (Gateway is not null)
            {
                await Gateway.DisposeAsync();
            }

            if (Silo is not null)
            {
                await Silo.DisposeAsync();
            }
        }

        // Each process its own silo and gateway ports: Orleans listens with SO_REUSEPORT, so a clash would not fail.
        private static string[] Ports(int siloPort, int gatewayPort) =>
        [
            $"--Orleans:Endpoints:SiloPort={siloPort}",
            $"--Orleans:Endpoints:GatewayPort={gatewayPort}",
        ];
    }
}

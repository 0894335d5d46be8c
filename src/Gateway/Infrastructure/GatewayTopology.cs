namespace PredictionCache.Gateway.Infrastructure;

/// <summary>How a gateway process takes part in the Orleans cluster (<c>Gateway:Topology</c>).</summary>
public enum GatewayTopology
{
    /// <summary>The process is a gateway and a silo (the default): a node of the cluster.</summary>
    CoHosted,

    /// <summary>The process is only an Orleans client of a grain tier of <c>src/Silo</c> processes.</summary>
    Client,
}

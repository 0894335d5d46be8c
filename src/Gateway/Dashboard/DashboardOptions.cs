namespace PredictionCache.Gateway.Dashboard;

/// <summary>The live dashboard (section <c>Dashboard</c>).</summary>
public sealed class DashboardOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Dashboard";

    /// <summary><value>Whether <c>/dashboard</c>, <c>/dashboard/data</c> and the Orleans Dashboard (<c>/dashboard/orleans</c>) are served; off: 404. Default true.</value></summary>
    public bool Enabled { get; set; } = true;
}

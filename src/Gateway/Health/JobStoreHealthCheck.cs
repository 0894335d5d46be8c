using Microsoft.Extensions.Diagnostics.HealthChecks;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.Gateway.Health;

/// <summary>Readiness: the storage behind jobs answers a lookup.</summary>
internal sealed class JobStoreHealthCheck(IJobStore jobs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await jobs.GetAsync(Guid.Empty, cancellationToken);
            return HealthCheckResult.Healthy("Storage is reachable.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("Storage is not reachable.", ex);
        }
    }
}

using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PredictionCache.Grains;
using PredictionCache.Grains.Caching;
using PredictionCache.Grains.Jobs;
using PredictionCache.Grains.Prediction;
using PredictionCache.Grains.Storage;

namespace PredictionCache.Silo.Storage;

/// <summary>
/// The cache's storage in the silo's lifecycle: at the storage stage, before any grain is activated, it migrates the
/// schema and settles the jobs this node's earlier run (same endpoint; any, for a node alone) left processing; then every <see cref="StorageOptions.MaintenanceIntervalSeconds"/> it writes the
/// batched access times, deletes expired rows and trims the table to <see cref="StorageOptions.MaxEntries"/> by least
/// recent use. Nothing is loaded into memory at start-up: entries come back lazily, one grain activation at a time.
/// </summary>
internal sealed partial class CacheStorageService(
    IServiceProvider services,
    IOptions<StorageOptions> options,
    IOptions<CacheOptions> cacheOptions,
    IGrainStateTable<CacheEntry> entries,
    SiloLocalAccessTimes accessTimes,
    TimeProvider time,
    ILogger<CacheStorageService> logger) : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private readonly SemaphoreSlim _pass = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _upkeep;
    private int _stopped;
    private int _disposed;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(CacheStorageService), ServiceLifecycleStage.RuntimeStorageServices, StartAsync, StopAsync);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.IsDurable)
        {
            try
            {
                await OpenAsync(cancellationToken);
            }
            catch (DbException ex)
            {
                // The provider's message alone ("Failed to connect to 127.0.0.1:5432") does not say which setting to fix.
                throw new StorageUnavailableException(options.Value.Provider, ex);
            }
        }

        // The upkeep loop, owned by this service: a failed pass (storage down) is logged and the next tries again.
        _upkeep = OnTheClock.RunAsync(
            TimeSpan.FromSeconds(options.Value.MaintenanceIntervalSeconds), time, RunOnceAsync, ex => LogMaintenanceFailed(logger, ex), _stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host may be stopped twice, once after its services were disposed: WebApplicationFactory stops it, and so does
        // the app's own Run, which then disposes it. The last flush runs once; a later stop has nothing to do.
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_upkeep is not null)
        {
            await _upkeep;
        }

        // The last access times go in before the process ends, so trimming after a restart sees them.
        await _pass.WaitAsync(cancellationToken);
        try
        {
            await FlushAccessTimesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogMaintenanceFailed(logger, ex);
        }
        finally
        {
            _pass.Release();
        }
    }

    /// <summary>One upkeep pass; passes never overlap. Returns the rows expired and trimmed.</summary>
    public async Task<(long Expired, long Trimmed)> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        await _pass.WaitAsync(cancellationToken);
        try
        {
            await FlushAccessTimesAsync(cancellationToken);
            // Rows are kept for the grace past their expiry: fail-safe and max-stale may still serve them.
            var grace = TimeSpan.FromSeconds(cacheOptions.Value.GraceSeconds);
            var expired = await entries.DeleteExpiredAsync(time.GetUtcNow() - grace, cancellationToken);
            var trimmed = await entries.TrimAsync(options.Value.MaxEntries, cancellationToken);
            await services.GetRequiredService<DeadSiloJobSettler>().SettleCurrentAsync(cancellationToken);
            return (expired, trimmed);
        }
        finally
        {
            _pass.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container disposes this twice: it is registered itself and, as the same instance, as the lifecycle participant.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // _pass is not disposed: a stop still flushing when the container disposes this must be able to release it, and a
        // SemaphoreSlim whose wait handle was never asked for holds nothing to free.

        await _stopping.CancelAsync();
        if (_upkeep is not null)
        {
            await _upkeep;
        }

        _stopping.Dispose();
    }

    /// <summary>Migrates the schema and settles the jobs a stop or crash left processing: the first use of the database.</summary>
    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<StorageDatabase>();
        await database.MigrateAsync(CacheSchema.Component, CacheSchema.For(database.Dialect), cancellationToken);
        if (services.GetRequiredService<IJobStore>() is SqlJobStore jobs)
        {
            // Alone in its cluster, every job left processing is an earlier run's, on whatever port that run listened.
            var endpoint = services.GetService<SingleNodeClustering>() is null
                ? services.GetRequiredService<ILocalSiloDetails>().SiloAddress.Endpoint.ToString()
                : null;
            var (completed, failed) = await jobs.RecoverInterruptedAsync(endpoint, cancellationToken);
            if (completed + failed > 0)
            {
                LogInterruptedJobsRecovered(logger, completed, failed);
            }
        }
    }

    private Task FlushAccessTimesAsync(CancellationToken cancellationToken)
    {
        var keys = accessTimes.TakeAll();
        return keys.Count == 0 ? Task.CompletedTask : entries.RecordAccessAsync(keys, time.GetUtcNow(), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jobs this node left processing at an earlier stop or crash: {Completed} completed from their stored entries, {Failed} marked failed")]
    private static partial void LogInterruptedJobsRecovered(ILogger logger, int completed, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage upkeep failed; the next pass tries again")]
    private static partial void LogMaintenanceFailed(ILogger logger, Exception exception);
}

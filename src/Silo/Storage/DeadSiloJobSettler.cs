using Microsoft.Extensions.Logging;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.Silo.Storage;

/// <summary>
/// Settles the jobs of silos that membership declares dead: their inferences died with them, so without this a client
/// polling such a job would see <c>processing</c> forever. Every live silo follows Orleans' membership updates and, for
/// each silo newly declared dead, settles the processing jobs it owned (<see cref="SqlJobStore.SettleDeadOwnerAsync"/>):
/// completed when the entry was stored before the death, else failed with a reason. Survivors may race; only processing
/// jobs change, so the first settlement stands. A settlement storage refused is tried again by the storage upkeep's next
/// pass (<see cref="SettleCurrentAsync"/>). Jobs in memory die with their silo: nothing to do.
/// </summary>
internal sealed partial class DeadSiloJobSettler(
    IClusterMembershipService membership,
    IJobStore jobStore,
    ILogger<DeadSiloJobSettler> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly HashSet<SiloAddress> _settled = [];
    private readonly SqlJobStore? _jobs = jobStore as SqlJobStore;
    private Task? _following;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(DeadSiloJobSettler), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    private Task StartAsync(CancellationToken cancellationToken)
    {
        if (_jobs is null)
        {
            return Task.CompletedTask;
        }

        _following = Task.Run(() => FollowAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_following is not null)
        {
            await _following.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
    }

    private async Task FollowAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stopping))
            {
                await SettleAsync(snapshot, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Settles the silos membership shows dead now that were not settled yet.</summary>
    public Task SettleCurrentAsync(CancellationToken cancellationToken = default) =>
        _jobs is null ? Task.CompletedTask : SettleAsync(membership.CurrentSnapshot, cancellationToken);

    /// <summary>Settles the silos <paramref name="snapshot"/> shows dead that were not settled yet; a failure is tried again later.</summary>
    private async Task SettleAsync(ClusterMembershipSnapshot snapshot, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            await SettleUnderTurnAsync(snapshot, cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task SettleUnderTurnAsync(ClusterMembershipSnapshot snapshot, CancellationToken cancellationToken)
    {
        foreach (var member in snapshot.Members.Values)
        {
            if (member.Status != SiloStatus.Dead || _settled.Contains(member.SiloAddress))
            {
                continue;
            }

            try
            {
                var owner = member.SiloAddress.ToParsableString();
                var (completed, failed) = await _jobs!.SettleDeadOwnerAsync(owner, cancellationToken);
                _settled.Add(member.SiloAddress);
                if (completed + failed > 0)
                {
                    LogSettled(logger, owner, completed, failed);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSettleFailed(logger, member.SiloAddress, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jobs of dead silo {Owner}: {Completed} completed from their stored entries, {Failed} marked failed")]
    private static partial void LogSettled(ILogger logger, string owner, int completed, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling the jobs of dead silo {Silo} failed; the next membership update tries again")]
    private static partial void LogSettleFailed(ILogger logger, SiloAddress silo, Exception exception);
}

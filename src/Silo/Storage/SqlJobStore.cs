using System.Data.Common;
using System.Text;
using Microsoft.Extensions.Options;
using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Jobs;

namespace PredictionCache.Silo.Storage;

/// <summary>
/// Jobs in the <c>jobs</c> table of a SQL database (SQLite or PostgreSQL). A create returns only after the row's
/// transaction has committed (group commit shares that commit with concurrent writes), so a <c>202</c> never names a
/// job a crash could lose. Each job records the silo running it: at start-up a node settles the jobs its earlier run
/// left <c>processing</c>, and survivors settle those of a silo membership declared dead (<see cref="DeadSiloJobSettler"/>).
/// Finished jobs are deleted <see cref="JobOptions.RetentionHours"/> after they finish. Waiters wake at once on a job this
/// process finishes, and read the table every <see cref="JobOptions.WaitPollMilliseconds"/> for jobs other nodes finish.
/// </summary>
internal sealed class SqlJobStore : IJobStore
{
    /// <summary>The error a job interrupted by a stop or crash is failed with.</summary>
    public const string InterruptedError =
        "The gateway stopped before this job finished (a restart or crash); nothing was cached. Send the request again.";

    private const string Columns = "id, key, model, input_text, status, result, error, created_at, completed_at, timed_out, owner, tenant";
    private const int SweepChunk = 5_000;

    private readonly StorageDatabase _database;
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly JobWaiters _waiters;

    public SqlJobStore(StorageDatabase database, TimeProvider time, IOptions<JobOptions> options)
    {
        _database = database;
        _time = time;
        _retention = TimeSpan.FromHours(options.Value.RetentionHours);
        _waiters = new JobWaiters(time, TimeSpan.FromMilliseconds(options.Value.WaitPollMilliseconds));
    }

    private StorageDialect Dialect => _database.Dialect;

    public async Task CreateAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);

        // ON CONFLICT, not a failing INSERT: a constraint error would roll back the whole group-commit batch and make
        // every other write in it run again alone, and its provider-specific exception would differ from memory's.
        var inserted = await _database.WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = StorageDatabase.CreateCommand(
                    connection,
                    $"INSERT INTO jobs ({Columns}) VALUES (@id, @key, @model, @input, @status, @result, @error, @created, @completed, @timedOut, @owner, @tenant) ON CONFLICT (id) DO NOTHING",
                    transaction);
                Dialect.AddParameter(command, "id", job.Id);
                Dialect.AddParameter(command, "key", job.Key);
                Dialect.AddParameter(command, "model", job.Model);
                Dialect.AddParameter(command, "input", job.InputText);
                Dialect.AddParameter(command, "status", StatusName(job.Status));
                Dialect.AddParameter(command, "result", job.Result?.ToString(), StateColumnType.Json);
                Dialect.AddParameter(command, "error", job.Error);
                Dialect.AddParameter(command, "created", job.CreatedAt);
                Dialect.AddParameter(command, "completed", job.CompletedAt);
                Dialect.AddParameter(command, "timedOut", job.TimedOut);
                Dialect.AddParameter(command, "owner", job.Owner);
                Dialect.AddParameter(command, "tenant", job.Tenant);
                return await command.ExecuteNonQueryAsync();
            },
            cancellationToken);
        if (inserted == 0)
        {
            throw new InvalidOperationException($"Job {job.Id} exists already.");
        }
    }

    public Task CompleteAsync(Guid id, PredictionResult result, DateTimeOffset completedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        return FinishAsync(id, JobStatus.Completed, result.ToString(), null, false, completedAt, cancellationToken);
    }

    public Task FailAsync(Guid id, string error, DateTimeOffset completedAt, bool timedOut = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(error);
        return FinishAsync(id, JobStatus.Failed, null, error, timedOut, completedAt, cancellationToken);
    }

    public async Task<JobRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        await using var command = StorageDatabase.CreateCommand(connection, $"SELECT {Columns} FROM jobs WHERE id = @id");
        Dialect.AddParameter(command, "id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadJob(reader) : null;
    }

    public Task<JobRecord?> WaitAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _waiters.WaitAsync(id, timeout, GetAsync, cancellationToken);

    public async Task<JobStatusCounts?> CountByStatusAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken);
        await using var command = StorageDatabase.CreateCommand(connection, "SELECT status, COUNT(*) FROM jobs GROUP BY status");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new long[3];
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[(int)ParseStatus(reader.GetString(0))] += Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
        }

        return new JobStatusCounts(counts[(int)JobStatus.Processing], counts[(int)JobStatus.Completed], counts[(int)JobStatus.Failed]);
    }

    /// <summary>
    /// Settles the jobs an earlier run of this node left <c>processing</c> (a stop or crash): those owned by an earlier
    /// generation of the silo at <paramref name="endpoint"/> (<c>ip:port</c>), and those stored before jobs had owners.
    /// Jobs of other live nodes are left alone. Null <paramref name="endpoint"/>: every processing job, for a node alone
    /// in its cluster, whose earlier runs may have listened elsewhere. Returns how many were completed and failed.
    /// </summary>
    /// <remarks>Run at start-up, before this silo starts any job: whatever it owned then was left by a stop or crash.</remarks>
    public Task<(int Completed, int Failed)> RecoverInterruptedAsync(string? endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(endpoint);
        }

        return SettleAsync("(owner IS NULL OR owner LIKE @owner)", endpoint is null ? "%" : endpoint + "@%", InterruptedError, cancellationToken);
    }

    /// <summary>
    /// Settles the jobs of <paramref name="owner"/>, a silo membership has declared dead (<c>ip:port@generation</c>):
    /// each is completed when its entry was stored, else failed with a reason naming the node. Any survivor may run it,
    /// several at once: only processing jobs change, so the first settlement stands. Returns how many of each.
    /// </summary>
    public Task<(int Completed, int Failed)> SettleDeadOwnerAsync(string owner, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        return SettleAsync(
            "owner = @owner",
            owner,
            $"The node running this job ({owner}) failed before it finished; nothing was cached. Send the request again.",
            cancellationToken);
    }

    /// <summary>
    /// Settles the processing jobs <paramref name="ownerFilter"/> selects: one whose entry was stored (the entry row
    /// carries the job's id) is completed with that entry's result, as it would have been a moment later; the others are
    /// failed with <paramref name="error"/>.
    /// </summary>
    private Task<(int Completed, int Failed)> SettleAsync(string ownerFilter, string owner, string error, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return _database.WriteAsync(
            async (connection, transaction) =>
            {
                // By key first (the primary key of cache_entries), then the job id: no scan of a large table.
                await using var complete = StorageDatabase.CreateCommand(
                    connection,
                    $"""
                    UPDATE jobs SET status = 'completed', completed_at = @now,
                        result = (SELECT e.result FROM cache_entries e WHERE e.key = jobs.key AND e.job_id = jobs.id)
                    WHERE status = 'processing' AND {ownerFilter}
                      AND EXISTS (SELECT 1 FROM cache_entries e WHERE e.key = jobs.key AND e.job_id = jobs.id)
                    """,
                    transaction);
                Dialect.AddParameter(complete, "now", now);
                Dialect.AddParameter(complete, "owner", owner);
                var completed = await complete.ExecuteNonQueryAsync();

                await using var fail = StorageDatabase.CreateCommand(
                    connection,
                    $"UPDATE jobs SET status = 'failed', error = @error, completed_at = @now WHERE status = 'processing' AND {ownerFilter}",
                    transaction);
                Dialect.AddParameter(fail, "error", error);
                Dialect.AddParameter(fail, "now", now);
                Dialect.AddParameter(fail, "owner", owner);
                return (completed, await fail.ExecuteNonQueryAsync());
            },
            cancellationToken);
    }

    /// <summary>Deletes the jobs finished longer than the retention ago; returns how many.</summary>
    public Task<long> SweepAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = _time.GetUtcNow() - _retention;
        return _database.DeleteInChunksAsync(
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE completed_at <= @cutoff LIMIT @limit)",
            SweepChunk,
            command => Dialect.AddParameter(command, "cutoff", cutoff),
            cancellationToken: cancellationToken);
    }

    private async Task FinishAsync(
        Guid id, JobStatus status, string? result, string? error, bool timedOut, DateTimeOffset completedAt, CancellationToken cancellationToken)
    {
        await _database.WriteAsync(
            async (connection, transaction) =>
            {
                // Only a processing job finishes: the first outcome stands.
                await using var command = StorageDatabase.CreateCommand(
                    connection,
                    "UPDATE jobs SET status = @status, result = @result, error = @error, completed_at = @completed, timed_out = @timedOut WHERE id = @id AND status = 'processing'",
                    transaction);
                Dialect.AddParameter(command, "status", StatusName(status));
                Dialect.AddParameter(command, "result", result, StateColumnType.Json);
                Dialect.AddParameter(command, "error", error);
                Dialect.AddParameter(command, "completed", completedAt);
                Dialect.AddParameter(command, "timedOut", timedOut);
                Dialect.AddParameter(command, "id", id);
                return await command.ExecuteNonQueryAsync();
            },
            cancellationToken);
        _waiters.Signal(id);
    }

    private JobRecord ReadJob(DbDataReader reader) =>
        new(
            Dialect.ReadUuid(reader, 0),
            reader.GetString(1),
            reader.GetString(2),
            reader.GetString(3),
            ParseStatus(reader.GetString(4)),
            reader.IsDBNull(5) ? null : PredictionResult.FromJson(Encoding.UTF8.GetBytes(reader.GetString(5))),
            reader.IsDBNull(6) ? null : reader.GetString(6),
            Dialect.ReadTimestamp(reader, 7),
            reader.IsDBNull(8) ? null : Dialect.ReadTimestamp(reader, 8),
            reader.GetBoolean(9),
            reader.IsDBNull(10) ? null : reader.GetString(10),
            reader.GetString(11));

    private static string StatusName(JobStatus status) => status switch
    {
        JobStatus.Completed => "completed",
        JobStatus.Failed => "failed",
        _ => "processing",
    };

    private static JobStatus ParseStatus(string status) => status switch
    {
        "completed" => JobStatus.Completed,
        "failed" => JobStatus.Failed,
        _ => JobStatus.Processing,
    };
}

using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace PredictionCache.Silo.Storage;

/// <summary>
/// The one writer of a <see cref="StorageDatabase"/>: takes every write queued since its last commit (up to the batch
/// limit), runs them in one transaction on its own connection, commits once, then completes them. While a commit is
/// on disk new writes queue, so the batch grows with the load and a burst of misses costs a few fsyncs, not one each.
/// A batch that fails is rolled back and its writes run again one per transaction, so one bad write fails alone.
/// A server database gets several such writers, each with its own connection, so one batch's round trips and
/// commit overlap another's; SQLite, which has one writer at a time anyway, gets one.
/// </summary>
internal sealed partial class GroupCommitWriter : IAsyncDisposable
{
    private readonly StorageDatabase _database;
    private readonly int _maxBatch;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite> _queue;
    private readonly Task[] _loops;
    private long _commits;

    public GroupCommitWriter(StorageDatabase database, int maxBatch, int writers, ILogger logger)
    {
        _database = database;
        _maxBatch = maxBatch;
        _logger = logger;
        _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = writers == 1 });
        _loops = Enumerable.Range(0, writers).Select(_ => Task.Run(RunAsync)).ToArray();
    }

    public long Commits => Interlocked.Read(ref _commits);

    public Task<T> EnqueueAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingWrite<T>(write, cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(StorageDatabase), "The storage is closed.");
        }

        return pending.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_loops);
    }

    private async Task RunAsync()
    {
        DbConnection? connection = null;
        var batch = new List<PendingWrite>(_maxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync())
            {
                batch.Clear();
                while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var pending))
                {
                    if (!pending.IsCancellationRequested)
                    {
                        batch.Add(pending);
                    }
                    else
                    {
                        pending.Cancel();
                    }
                }

                if (batch.Count == 0)
                {
                    continue;
                }

                try
                {
                    connection ??= await _database.OpenWriterAsync(CancellationToken.None);
                    await CommitAsync(connection, batch);
                    batch.ForEach(static p => p.Complete());
                }
                catch (Exception ex)
                {
                    // The connection may be broken (a server restart): the next attempt opens a new one.
                    connection = await ResetAsync(connection);
                    if (batch.Count == 1)
                    {
                        batch[0].Fail(ex);
                        continue;
                    }

                    LogBatchFailed(_logger, ex, batch.Count);
                    foreach (var pending in batch)
                    {
                        try
                        {
                            connection ??= await _database.OpenWriterAsync(CancellationToken.None);
                            await CommitAsync(connection, [pending]);
                            pending.Complete();
                        }
                        catch (Exception single)
                        {
                            connection = await ResetAsync(connection);
                            pending.Fail(single);
                        }
                    }
                }
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private async Task CommitAsync(DbConnection connection, List<PendingWrite> batch)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var pending in batch)
        {
            await pending.ExecuteAsync(connection, transaction);
        }

        await transaction.CommitAsync();
        Interlocked.Increment(ref _commits);
    }

    private static async Task<DbConnection?> ResetAsync(DbConnection? connection)
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} writes failed; retrying them one by one")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    private abstract class PendingWrite
    {
        public abstract bool IsCancellationRequested { get; }

        public abstract Task ExecuteAsync(DbConnection connection, DbTransaction transaction);

        public abstract void Complete();

        public abstract void Fail(Exception exception);

        public abstract void Cancel();
    }

    private sealed class PendingWrite<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken) : PendingWrite
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _completion.Task;

        public override bool IsCancellationRequested => cancellationToken.IsCancellationRequested;

        public override async Task ExecuteAsync(DbConnection connection, DbTransaction transaction) =>
            _result = await write(connection, transaction);

        public override void Complete() => _completion.TrySetResult(_result);

        public override void Fail(Exception exception) => _completion.TrySetException(exception);

        public override void Cancel() => _completion.TrySetCanceled(cancellationToken);
    }
}

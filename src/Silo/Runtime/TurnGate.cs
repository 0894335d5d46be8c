namespace PredictionCache.Silo.Runtime;

/// <summary>
/// The turn scheduler of one activation: an async reader-writer gate. An exclusive turn runs alone; read-only turns
/// run together while no exclusive turn runs. Waiters are served in arrival order (a read-only turn that arrives
/// behind a waiting exclusive one waits, so writers are not starved), except that deactivation jumps the queue.
/// The uncontended path allocates nothing.
/// </summary>
internal sealed class TurnGate
{
    private LinkedList<Waiter>? _waiters;
    private int _readers;
    private bool _writer;

    /// <summary>True while no turn runs and none waits.</summary>
    public bool IsIdle
    {
        get
        {
            lock (this)
            {
                return !_writer && _readers == 0 && (_waiters is null || _waiters.Count == 0);
            }
        }
    }

    public ValueTask EnterAsync(bool exclusive, bool priority = false)
    {
        lock (this)
        {
            var queueEmpty = _waiters is null || _waiters.Count == 0;
            if (exclusive ? !_writer && _readers == 0 && (queueEmpty || priority) : !_writer && queueEmpty)
            {
                Take(exclusive);
                return ValueTask.CompletedTask;
            }

            _waiters ??= new LinkedList<Waiter>();
            var waiter = new Waiter(exclusive);
            if (priority)
            {
                _waiters.AddFirst(waiter);
            }
            else
            {
                _waiters.AddLast(waiter);
            }

            return new ValueTask(waiter.Task);
        }
    }

    public void Exit(bool exclusive)
    {
        List<Waiter>? released = null;
        lock (this)
        {
            if (exclusive)
            {
                _writer = false;
            }
            else
            {
                _readers--;
            }

            while (_waiters is { Count: > 0 } && !_writer)
            {
                var next = _waiters.First!.Value;
                if (next.Exclusive ? _readers > 0 : false)
                {
                    break;
                }

                _waiters.RemoveFirst();
                if (_waiters.Count == 0)
                {
                    // Contention comes in bursts: keep no empty list on each of a million idle activations.
                    _waiters = null;
                }

                Take(next.Exclusive);
                (released ??= []).Add(next);
            }
        }

        // Completing outside the lock: continuations run asynchronously anyway, but keep the lock short.
        if (released is not null)
        {
            foreach (var waiter in released)
            {
                waiter.TrySetResult();
            }
        }
    }

    private void Take(bool exclusive)
    {
        if (exclusive)
        {
            _writer = true;
        }
        else
        {
            _readers++;
        }
    }

    private sealed class Waiter(bool exclusive) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public bool Exclusive { get; } = exclusive;
    }
}

using System.Diagnostics.Metrics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace PredictionCache.Silo.Metrics;

/// <summary>
/// Calls of one grain method on one grain type. Every call is counted, in cache-line-padded cells picked by the
/// current processor (the cache-hit read runs on every core, and one shared counter line would be fought over);
/// the count is read by an observable counter, so counting costs no instrument call. Latency goes to the
/// <c>predictioncache.grain.call.duration</c> histogram: for calls that take a turn every call is timed; calls
/// served without a turn (the ~100 ns hit path) are timed 1 in <see cref="SampleEvery"/>, where a clock read and a
/// histogram record on every call would cost more than the 5 % the hit path allows.
/// </summary>
internal sealed class GrainMethodMetrics
{
    /// <summary>One in this many calls served without a turn is timed; a power of two.</summary>
    public const int SampleEvery = 1024;

    private readonly Cell[] _cells = new Cell[Math.Max(2, (int)BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount))];
    private readonly Histogram<double> _duration;
    private readonly KeyValuePair<string, object?> _typeTag;
    private readonly KeyValuePair<string, object?> _methodTag;

    public GrainMethodMetrics(Histogram<double> duration, string grainType, string method)
    {
        _duration = duration;
        GrainType = grainType;
        Method = method;
        _typeTag = new KeyValuePair<string, object?>("grain.type", grainType);
        _methodTag = new KeyValuePair<string, object?>("grain.method", method);
    }

    public string GrainType { get; }

    public string Method { get; }

    /// <summary>Calls counted so far.</summary>
    public long Calls
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < _cells.Length; i++)
            {
                sum += Volatile.Read(ref _cells[i].Value);
            }

            return sum;
        }
    }

    /// <summary>Counts one call served without a turn; true when it is the one in <see cref="SampleEvery"/> to time.</summary>
    /// <remarks>
    /// A plain increment, not an interlocked one: on the ~80 ns hit read a locked add alone was several percent.
    /// The cell is this processor's, so two increments race only when a thread is preempted between the load and the
    /// store (or its cached processor id is stale) and another lands in between: a rare lost count, acceptable for
    /// a rate; calls that take a turn are counted exactly.
    /// </remarks>
    public bool CountSampled()
    {
        ref var cell = ref _cells[Thread.GetCurrentProcessorId() & (_cells.Length - 1)].Value;
        var count = cell + 1;
        Volatile.Write(ref cell, count);
        return (count & (SampleEvery - 1)) == 0;
    }

    /// <summary>Counts one call that is always timed.</summary>
    public void Count() => Interlocked.Increment(ref _cells[Thread.GetCurrentProcessorId() & (_cells.Length - 1)].Value);

    /// <summary>Records one call's duration.</summary>
    public void Record(TimeSpan elapsed)
    {
        if (_duration.Enabled)
        {
            _duration.Record(elapsed.TotalSeconds, _typeTag, _methodTag);
        }
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Cell
    {
        [FieldOffset(64)]
        public long Value;
    }
}

using System.Numerics;
using System.Runtime.InteropServices;

namespace PredictionCache.Grains.Caching;

/// <summary>
/// A counter for the hit path: increments go to one of several cache-line-padded cells picked by the current
/// processor, so cores do not fight over one line; reads sum the cells.
/// </summary>
internal sealed class StripedCounter
{
    private readonly Cell[] _cells = new Cell[Math.Max(2, (int)BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount))];

    public long Value
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

    public void Increment() =>
        Interlocked.Increment(ref _cells[Thread.GetCurrentProcessorId() & (_cells.Length - 1)].Value);

    public void Reset()
    {
        for (var i = 0; i < _cells.Length; i++)
        {
            Volatile.Write(ref _cells[i].Value, 0);
        }
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Cell
    {
        [FieldOffset(64)]
        public long Value;
    }
}

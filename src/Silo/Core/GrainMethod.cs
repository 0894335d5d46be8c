using System.Reflection;

namespace PredictionCache.Silo;

/// <summary>
/// Describes one method of a grain interface: its name and how it is scheduled, read once from the
/// interface's attributes. Grain references hold these in static fields and pass them on every call.
/// </summary>
public sealed class GrainMethod
{
    private static int _nextId = -1;

    private GrainMethod(Type grainInterface, string name, InvokeKind kind)
    {
        Interface = grainInterface;
        Name = name;
        Kind = kind;
        Id = Interlocked.Increment(ref _nextId);
    }

    /// <summary>A small number unique to this method descriptor in the process: indexes per-method tables (metrics).</summary>
    internal int Id { get; }

    /// <summary>The grain interface that declares the method.</summary>
    public Type Interface { get; }

    /// <summary>The method's name.</summary>
    public string Name { get; }

    /// <summary>How calls to the method are scheduled.</summary>
    public InvokeKind Kind { get; }

    /// <summary>Reads the method <paramref name="name"/> of <typeparamref name="TGrainInterface"/> and its attributes.</summary>
    /// <exception cref="ArgumentException">The interface has no such method.</exception>
    public static GrainMethod Of<TGrainInterface>(string name)
        where TGrainInterface : IGrain
    {
        var method = typeof(TGrainInterface).GetMethod(name, BindingFlags.Public | BindingFlags.Instance)
            ?? throw new ArgumentException($"{typeof(TGrainInterface).Name} has no method '{name}'.", nameof(name));
        var kind = method.IsDefined(typeof(AlwaysInterleaveAttribute))
            ? InvokeKind.AlwaysInterleave
            : method.IsDefined(typeof(ReadOnlyAttribute)) ? InvokeKind.ReadOnly : InvokeKind.Exclusive;
        return new GrainMethod(typeof(TGrainInterface), name, kind);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Interface.Name}.{Name}";
}

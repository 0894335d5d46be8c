using PredictionCache.Silo.Runtime;

namespace PredictionCache.Silo;

/// <summary>
/// Base class of grain references: the cheap proxies <see cref="IGrainFactory.GetGrain{TGrainInterface}"/> returns.
/// Orleans generates these; here each grain interface has a small hand-written reference whose methods pass a
/// <see cref="GrainMethod"/> (read once from the interface's attributes) and a static lambda to
/// <c>InvokeAsync</c>, so a call allocates no closure.
/// </summary>
public abstract class GrainReference : IAddressable, IEquatable<GrainReference>
{
    private readonly GrainTypeRuntime _type;
    private readonly string _key;

    /// <summary>Binds the reference to its grain.</summary>
    protected GrainReference(GrainBinding binding)
    {
        _type = binding.Type ?? throw new ArgumentException("The binding is empty.", nameof(binding));
        _key = binding.Key;
    }

    /// <inheritdoc />
    public GrainId GrainId => new(_type.GrainType, _key);

    /// <summary>Calls a method that returns a value, as a turn of the activation (activating it first if needed).</summary>
    protected Task<TResult> InvokeAsync<TGrain, TArg, TResult>(GrainMethod method, TArg arg, Func<TGrain, TArg, Task<TResult>> body)
        where TGrain : IGrain => _type.InvokeAsync(_key, method, arg, body);

    /// <summary>Calls a method that returns no value.</summary>
    protected Task InvokeAsync<TGrain, TArg>(GrainMethod method, TArg arg, Func<TGrain, TArg, Task> body)
        where TGrain : IGrain => _type.InvokeAsync(_key, method, arg, body);

    /// <summary>
    /// Calls a hot-path method; an <see cref="InvokeKind.AlwaysInterleave"/> method on an active activation runs
    /// synchronously on the caller's thread with no allocation.
    /// </summary>
    protected ValueTask<TResult> InvokeAsync<TGrain, TArg, TResult>(GrainMethod method, TArg arg, Func<TGrain, TArg, ValueTask<TResult>> body)
        where TGrain : IGrain => _type.InvokeAsync(_key, method, arg, body);

    internal Task RequestDeactivation(DeactivationReason reason) => _type.RequestDeactivation(_key, reason);

    /// <inheritdoc />
    public bool Equals(GrainReference? other) => other is not null && ReferenceEquals(_type, other._type) && _key == other._key;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as GrainReference);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_type.GrainType, _key);

    /// <inheritdoc />
    public override string ToString() => GrainId.ToString();
}

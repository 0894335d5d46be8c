using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace PredictionCache.Benchmarks.Memory;

/// <summary>
/// Sizes of live objects as the GC heap holds them (header, method table pointer, fields, padding to 8 bytes), and
/// reflective reads of private fields, for the memory breakdown. Bench-only: it reads the host's and the runtime's
/// internals by name (as of .NET 10 and the current src/), so it is tolerant: a field it cannot find reads as null
/// and is recorded in <see cref="Missing"/>, which the memory scenario prints, instead of failing the run. What
/// such a field held is then not attributed, and shows up as the gap between the breakdown and the measured total.
/// </summary>
internal static class ObjectSize
{
    private static readonly Func<object, nuint> RawDataSize = typeof(RuntimeHelpers)
        .GetMethod("GetRawObjectDataSize", BindingFlags.NonPublic | BindingFlags.Static)!
        .CreateDelegate<Func<object, nuint>>();

    private static readonly ConcurrentDictionary<(Type, string), FieldInfo?> Fields = new();
    private static readonly ConcurrentDictionary<string, byte> MissingFields = new(StringComparer.Ordinal);

    /// <summary>The fields asked for and not found (<c>Type.name</c>), sorted; empty when the layout is as expected.</summary>
    public static IReadOnlyList<string> Missing => [.. MissingFields.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The heap bytes of <paramref name="value"/> itself (not what it references); 0 for null.</summary>
    public static long Of(object? value) =>
        value is null ? 0 : Math.Max(3 * IntPtr.Size, AlignUp((long)RawDataSize(value) + 2 * IntPtr.Size));

    /// <summary>
    /// Reads the instance field <paramref name="name"/> of <paramref name="target"/>, searching base types; also finds
    /// the field a primary-constructor parameter (<c>&lt;name&gt;P</c>) or an auto-property
    /// (<c>&lt;Name&gt;k__BackingField</c>) compiles to. Null for a null target; null and recorded as missing when
    /// there is no such field.
    /// </summary>
    public static object? Field(object? target, string name)
    {
        if (target is null)
        {
            return null;
        }

        var field = FieldInfoOf(target.GetType(), name);
        if (field is null)
        {
            MissingFields.TryAdd($"{NameOf(target.GetType())}.{name}", 0);
            return null;
        }

        return field.GetValue(target);
    }

    /// <summary>
    /// Reads the first instance field of <paramref name="target"/> whose type is <paramref name="fieldType"/> or derives
    /// from it; null and recorded as missing when there is none.
    /// </summary>
    public static object? FieldOfType(object target, Type fieldType)
    {
        for (var type = target.GetType(); type is not null; type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            {
                if (fieldType.IsAssignableFrom(field.FieldType))
                {
                    return field.GetValue(target);
                }
            }
        }

        MissingFields.TryAdd($"{NameOf(target.GetType())}.<field of type {NameOf(fieldType)}>", 0);
        return null;
    }

    /// <summary>
    /// The bytes of <paramref name="a"/> and of the objects its fields reach, <paramref name="depth"/> levels down, that
    /// are its own: not the object the same field of any of <paramref name="others"/> (like objects, e.g. other
    /// activations) holds, so not shared with them; not an object of the holder's own type (a neighbour in a list of
    /// like objects, such as a timer queue's next timer); and not in <paramref name="counted"/> (counted elsewhere; what
    /// is counted here is added). Fields of structs are followed inline. Arrays are sized, not followed. The detail
    /// names the own objects.
    /// </summary>
    public static (long Bytes, string Detail) Own(object? a, IReadOnlyList<object?> others, int depth, HashSet<object> counted)
    {
        if (a is null || !counted.Add(a))
        {
            return (0, "none");
        }

        var parts = new List<string>();
        var bytes = Of(a) + OwnFields(a, others, a.GetType(), depth, counted, parts, "");
        return (bytes, parts.Count == 0 ? "none" : string.Join(", ", parts));
    }

    private static long OwnFields(object a, IReadOnlyList<object?> others, Type type, int depth, HashSet<object> counted, List<string> parts, string prefix)
    {
        if (depth <= 0 || a is string || a is Array)
        {
            return 0;
        }

        long bytes = 0;
        for (var t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            {
                var fieldType = field.FieldType;
                if (fieldType.IsPrimitive || fieldType.IsEnum || fieldType.IsPointer || fieldType.IsByRefLike)
                {
                    continue;
                }

                var va = field.GetValue(a);
                if (va is null)
                {
                    continue;
                }

                var vothers = others.Select(o => o is not null && field.DeclaringType!.IsInstanceOfType(o) ? field.GetValue(o) : null).ToArray();
                if (fieldType.IsValueType)
                {
                    // Inline: its reference fields are the holder's.
                    bytes += OwnFields(va, vothers, fieldType, depth, counted, parts, $"{prefix}{field.Name}.");
                    continue;
                }

                if (vothers.Any(v => ReferenceEquals(va, v)) || counted.Contains(va) || va.GetType() == a.GetType() ||
                    va is Type || va is IServiceProvider)
                {
                    continue;
                }

                counted.Add(va);
                bytes += Of(va) + OwnFields(va, vothers, va.GetType(), depth - 1, counted, parts, $"{prefix}{field.Name}.");
                parts.Add($"{prefix}{field.Name} {NameOf(va.GetType())} {Of(va)}");
            }
        }

        return bytes;
    }

    /// <summary>How many instance fields objects of <paramref name="type"/> have, base types included.</summary>
    public static int FieldCount(Type type)
    {
        var count = 0;
        for (var t = type; t is not null; t = t.BaseType)
        {
            count += t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly).Length;
        }

        return count;
    }

    /// <summary>
    /// The bytes a <see cref="ConcurrentDictionary{TKey, TValue}"/> spends on its own structure: the bucket array,
    /// the lock arrays and one node per item (a struct key or value is inside the node; a reference-type key or
    /// value is not included).
    /// </summary>
    public static (long Bytes, long NodeBytes, long BucketBytes) OfConcurrentDictionary(object? dictionary, int count)
    {
        var tables = Field(dictionary, "_tables");
        if (Field(tables, "_buckets") is not Array buckets)
        {
            return (0, 0, 0);
        }

        var bucketBytes = Of(buckets) + Of(Field(tables, "_locks")) + Of(Field(tables, "_countPerLock"));
        object? node = null;
        for (var i = 0; i < buckets.Length && node is null; i++)
        {
            node = Field(buckets.GetValue(i), "_node");
        }

        var nodeBytes = Of(node);
        return (bucketBytes + (nodeBytes * count), nodeBytes, bucketBytes);
    }

    /// <summary>The bytes a <see cref="Dictionary{TKey, TValue}"/> spends on its bucket and entry arrays.</summary>
    public static long OfDictionaryArrays(object? dictionary) => Of(Field(dictionary, "_buckets")) + Of(Field(dictionary, "_entries"));

    /// <summary>A type's name with its generic arguments, as C# writes it (<c>GrainTimer&lt;PredictionGrain&gt;</c>).</summary>
    public static string NameOf(Type type)
    {
        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return $"{(tick < 0 ? name : name[..tick])}<{string.Join(", ", type.GetGenericArguments().Select(NameOf))}>";
    }

    private static long AlignUp(long bytes) => (bytes + 7) & ~7L;

    private static FieldInfo? FieldInfoOf(Type type, string name) =>
        Fields.GetOrAdd((type, name), static key =>
        {
            var (type, name) = key;
            string[] candidates = [name, $"<{name}>P", $"<{name}>k__BackingField"];
            for (var t = type; t is not null; t = t.BaseType)
            {
                foreach (var candidate in candidates)
                {
                    if (t.GetField(candidate, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly) is { } field)
                    {
                        return field;
                    }
                }
            }

            return null;
        });
}

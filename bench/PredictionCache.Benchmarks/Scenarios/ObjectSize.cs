using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace PredictionCache.Benchmarks.Scenarios;

/// <summary>
/// Sizes of live objects as the GC heap holds them (header, method table pointer, fields, padding to 8 bytes), and
/// reflective reads of private fields, for the memory breakdown. Bench-only: it reads runtime and library
/// internals (field names as of .NET 10) and fails loudly if they move.
/// </summary>
internal static class ObjectSize
{
    private static readonly Func<object, nuint> RawDataSize = typeof(RuntimeHelpers)
        .GetMethod("GetRawObjectDataSize", BindingFlags.NonPublic | BindingFlags.Static)!
        .CreateDelegate<Func<object, nuint>>();

    private static readonly ConcurrentDictionary<(Type, string), FieldInfo> Fields = new();

    /// <summary>The heap bytes of <paramref name="value"/> itself (not what it references); 0 for null.</summary>
    public static long Of(object? value) =>
        value is null ? 0 : Math.Max(3 * IntPtr.Size, AlignUp((long)RawDataSize(value) + 2 * IntPtr.Size));

    /// <summary>Reads the instance field <paramref name="name"/> of <paramref name="target"/>, searching base types.</summary>
    public static object? Field(object target, string name) => FieldInfoOf(target.GetType(), name).GetValue(target);

    /// <summary>Reads the first instance field of <paramref name="target"/> whose type is <paramref name="fieldType"/> or derives from it.</summary>
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

        throw new MissingFieldException(target.GetType().Name, fieldType.Name);
    }

    /// <summary>
    /// The bytes a <see cref="ConcurrentDictionary{TKey, TValue}"/> spends on its own structure: the bucket array,
    /// the lock arrays and one node per item (keys and values themselves not included).
    /// </summary>
    public static (long Bytes, long NodeBytes, long BucketBytes) OfConcurrentDictionary(object dictionary, int count)
    {
        var tables = Field(dictionary, "_tables")!;
        var buckets = (Array)Field(tables, "_buckets")!;
        var bucketBytes = Of(buckets) + Of(Field(tables, "_locks")) + Of(Field(tables, "_countPerLock"));
        object? node = null;
        for (var i = 0; i < buckets.Length && node is null; i++)
        {
            node = Field(buckets.GetValue(i)!, "_node");
        }

        var nodeBytes = node is null ? 0 : Of(node);
        return (bucketBytes + (nodeBytes * count), nodeBytes, bucketBytes);
    }

    /// <summary>The bytes a <see cref="Dictionary{TKey, TValue}"/> spends on its bucket and entry arrays.</summary>
    public static long OfDictionaryArrays(object dictionary) => Of(Field(dictionary, "_buckets")) + Of(Field(dictionary, "_entries"));

    private static long AlignUp(long bytes) => (bytes + 7) & ~7L;

    private static FieldInfo FieldInfoOf(Type type, string name) =>
        Fields.GetOrAdd((type, name), static key =>
        {
            for (var t = key.Item1; t is not null; t = t.BaseType)
            {
                if (t.GetField(key.Item2, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly) is { } field)
                {
                    return field;
                }
            }

            throw new MissingFieldException(key.Item1.Name, key.Item2);
        });
}

using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PredictionCache.Grains.Models;

namespace PredictionCache.Grains.Keys;

/// <summary>
/// Builds cache keys: the full SHA-256, in lower-case hex, of the tenant (when there is one), the model's name, the
/// model's version and the normalized text, each length-prefixed so no two different inputs hash the same bytes. A key
/// of no tenant hashes three fields, a tenant's four: the same model and text give every tenant a key of its own, and
/// the keys of no tenant are those of a cache without tenants.
/// </summary>
public static class KeyBuilder
{
    /// <summary>Length of a key: 64 hex digits.</summary>
    public const int KeyLength = 64;

    /// <summary>Builds the key of <paramref name="normalizedText"/> for <paramref name="model"/> and <paramref name="tenant"/> (empty: none).</summary>
    public static string Build(ModelDescriptor model, string normalizedText, string tenant = "")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(normalizedText);
        ArgumentNullException.ThrowIfNull(tenant);
        var length = 16 + Encoding.UTF8.GetMaxByteCount(tenant.Length + model.Name.Length + model.Version.Length + normalizedText.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = 0;
            if (tenant.Length > 0)
            {
                written += WritePrefixed(rented.AsSpan(written), tenant);
            }

            written += WritePrefixed(rented.AsSpan(written), model.Name);
            written += WritePrefixed(rented.AsSpan(written), model.Version);
            written += WritePrefixed(rented.AsSpan(written), normalizedText);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(rented.AsSpan(0, written), hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>True when <paramref name="key"/> has the form of a key (64 lower-case hex digits).</summary>
    public static bool IsWellFormed(string? key) =>
        key is { Length: KeyLength } && key.AsSpan().IndexOfAnyExcept("0123456789abcdef") < 0;

    /// <summary>The directory shard that owns <paramref name="key"/>.</summary>
    public static int ShardOf(string key, int shardCount) =>
        (int)(Convert.ToUInt32(key[..8], 16) % (uint)shardCount);

    private static int WritePrefixed(Span<byte> destination, string value)
    {
        var count = Encoding.UTF8.GetBytes(value, destination[4..]);
        BinaryPrimitives.WriteInt32BigEndian(destination, count);
        return 4 + count;
    }
}

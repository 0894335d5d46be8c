using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace PredictionCache.Gateway.Security;

/// <summary>
/// The configured keys, found by the SHA-256 of a presented key. On the hit path of a cache serving tens of thousands
/// of requests a second, a check costs one SHA-256 of the key (stack buffers: no allocation), one frozen-dictionary
/// lookup and one 32-byte fixed-time comparison, however many keys are configured.
/// </summary>
/// <remarks>
/// Why a lookup by the presented key's hash leaks nothing useful: the timing of a lookup (and of a comparison) depends
/// on the SHA-256 of what the client sent, which the client can compute itself, and on the stored hashes. A classic
/// timing attack learns a secret byte by byte because the attacker chooses the bytes that are compared; here the
/// attacker chooses only a preimage, and steering the hash's bytes toward a stored one would take a preimage attack on
/// SHA-256. Even a stored hash learnt outright would not help: the keys are 256-bit random strings (<c>new-key</c>),
/// so no guess can be checked against it offline. The final comparison is still <see cref="CryptographicOperations.FixedTimeEquals"/>,
/// as defence in depth; the lookup is by the hash's first 8 bytes only, and every candidate under them is compared.
/// </remarks>
internal sealed class ApiKeyRing
{
    /// <summary>Longest key checked, in characters; a longer one is unknown without being hashed (keys made here have 47).</summary>
    public const int MaxKeyLength = 512;

    private readonly FrozenDictionary<ulong, ApiKey[]> _byHashPrefix;
    private readonly FrozenDictionary<string, ApiKey> _byName;

    public ApiKeyRing(IOptions<AuthOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Keys = [.. options.Value.Keys.Select(key => new ApiKey(key))];
        _byHashPrefix = Keys.GroupBy(key => Prefix(key.Hash)).ToFrozenDictionary(group => group.Key, group => group.ToArray());
        _byName = Keys.ToFrozenDictionary(key => key.Name, StringComparer.Ordinal);
    }

    /// <summary>The keys, in configuration order.</summary>
    public IReadOnlyList<ApiKey> Keys { get; }

    /// <summary>The key named <paramref name="name"/> (the rate limiter's partitions are named after keys).</summary>
    public ApiKey this[string name] => _byName[name];

    /// <summary>The configured key whose SHA-256 is that of <paramref name="presented"/>'s UTF-8 bytes.</summary>
    public bool TryFind(ReadOnlySpan<char> presented, [NotNullWhen(true)] out ApiKey? key)
    {
        key = null;
        if (presented.IsEmpty || presented.Length > MaxKeyLength)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[MaxKeyLength * 3];
        var length = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        if (!_byHashPrefix.TryGetValue(Prefix(hash), out var candidates))
        {
            return false;
        }

        foreach (var candidate in candidates)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, candidate.Hash))
            {
                key = candidate;
                return true;
            }
        }

        return false;
    }

    private static ulong Prefix(ReadOnlySpan<byte> hash) => BinaryPrimitives.ReadUInt64LittleEndian(hash);
}

using Orleans.Placement;

namespace PredictionCache.Grains.Placement;

/// <summary>
/// Places a grain on the silo its key names: the key starts with the silo's address
/// (<see cref="SiloAddress.ToParsableString"/>) followed by <see cref="Separator"/>. For grains that belong to one
/// silo, such as a silo's directory shards. Should that silo no longer be in the cluster, the grain goes to the
/// silo that called it.
/// </summary>
[GenerateSerializer, Immutable, Alias("predictioncache.silo-bound")]
public sealed class SiloBoundPlacement : PlacementStrategy
{
    /// <summary>Between the silo's address and the rest of the key.</summary>
    public const char Separator = '/';

    /// <summary>The one instance.</summary>
    public static SiloBoundPlacement Instance { get; } = new();

    /// <summary>The key of the grain of <paramref name="silo"/> named <paramref name="name"/>.</summary>
    public static string KeyOf(SiloAddress silo, string name)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return silo.ToParsableString() + Separator + name;
    }

    /// <summary>The silo a key names, or null when it names none.</summary>
    public static SiloAddress? SiloOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var end = key.IndexOf(Separator, StringComparison.Ordinal);
        if (end <= 0)
        {
            return null;
        }

        try
        {
            return SiloAddress.FromParsableString(key[..end]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The part of the key after the silo's address.</summary>
    public static string NameOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key[(key.IndexOf(Separator, StringComparison.Ordinal) + 1)..];
    }
}

/// <summary>Places the grain on the silo its key names (<see cref="SiloBoundPlacement"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloBoundPlacementAttribute() : PlacementAttribute(SiloBoundPlacement.Instance);

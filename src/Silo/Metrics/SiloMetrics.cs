using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PredictionCache.Silo.Metrics;

/// <summary>The silo's instruments, on a meter named <see cref="MeterName"/> created from the host's <see cref="IMeterFactory"/>.</summary>
internal sealed class SiloMetrics
{
    public const string MeterName = "PredictionCache.Silo";

    private readonly UpDownCounter<long> _activations;
    private readonly Counter<long> _deactivations;

    public SiloMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(MeterName);
        _activations = Meter.CreateUpDownCounter<long>(
            "predictioncache.silo.activations", "{activation}", "Activations in memory, by grain type.");
        _deactivations = Meter.CreateCounter<long>(
            "predictioncache.silo.deactivations", "{activation}", "Deactivations, by grain type and reason.");
    }

    public Meter Meter { get; }

    public void Activated(GrainType type) => _activations.Add(1, new KeyValuePair<string, object?>("grain.type", type.Name));

    public void Deactivated(GrainType type, DeactivationReasonCode reason)
    {
        var tags = new TagList { { "grain.type", type.Name }, { "reason", reason.ToString() } };
        _activations.Add(-1, new KeyValuePair<string, object?>("grain.type", type.Name));
        _deactivations.Add(1, tags);
    }
}

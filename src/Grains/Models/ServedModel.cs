using PredictionCache.Grains.Inference;
using PredictionCache.Grains.Keys;

namespace PredictionCache.Grains.Models;

/// <summary>A model as the gateway serves it: identity, settings, TTL, normalization, backend, scheduler and counters.</summary>
public sealed class ServedModel
{
    internal ServedModel(ModelOptions settings, TimeSpan ttl, bool isDefault, IInferenceBackend backend, InferenceScheduler scheduler, TimeProvider time)
    {
        Descriptor = new ModelDescriptor(settings.Name!, settings.Version);
        Settings = settings;
        Ttl = ttl;
        IsDefault = isDefault;
        ExactText = string.Equals(settings.Normalization, ModelOptions.ExactNormalization, StringComparison.OrdinalIgnoreCase);
        Backend = new MeasuredBackend(backend, Statistics, time);
        Scheduler = scheduler;
    }

    /// <summary>Name and version (both in every cache key).</summary>
    public ModelDescriptor Descriptor { get; }

    /// <summary>The model's configuration (headers included: never show them).</summary>
    public ModelOptions Settings { get; }

    /// <summary>How long its entries stay fresh.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>True for the model used when a request names none.</summary>
    public bool IsDefault { get; }

    /// <summary>True when all tenants share its entries (<c>Shared = true</c>): its keys carry no tenant.</summary>
    public bool Shared => Settings.Shared;

    /// <summary>The tenant whose entry a request of <paramref name="tenant"/> reads and fills: none for a shared model.</summary>
    public string TenantOf(string tenant) => Shared ? "" : tenant;

    /// <summary>True when inputs are keyed exactly as sent (<c>Normalization = exact</c>).</summary>
    public bool ExactText { get; }

    /// <summary>The model's counters.</summary>
    public ModelStatistics Statistics { get; } = new();

    internal IInferenceBackend Backend { get; }

    internal InferenceScheduler Scheduler { get; }

    /// <summary>The text as this model keys it; null when it is not valid Unicode.</summary>
    public string? Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!ExactText)
        {
            return TextNormalizer.Normalize(text);
        }

        // Exact keys still refuse ill-formed UTF-16: it cannot be sent to a model server as JSON text.
        return IsWellFormed(text) ? text : null;
    }

    private static bool IsWellFormed(string text)
    {
        var span = text.AsSpan();
        while (!span.IsEmpty)
        {
            if (System.Text.Rune.DecodeFromUtf16(span, out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            span = span[consumed..];
        }

        return true;
    }

    /// <summary>Counts every inference and its latency, succeeded or failed, whatever the backend.</summary>
    private sealed class MeasuredBackend(IInferenceBackend inner, ModelStatistics statistics, TimeProvider time) : IInferenceBackend
    {
        public ModelDescriptor Model => inner.Model;

        public async Task<PredictionResult> InferAsync(string normalizedText, CancellationToken cancellationToken = default)
        {
            var started = time.GetTimestamp();
            try
            {
                var result = await inner.InferAsync(normalizedText, cancellationToken);
                statistics.InferenceSucceeded(time.GetElapsedTime(started));
                return result;
            }
            catch
            {
                statistics.InferenceFailed(time.GetElapsedTime(started));
                throw;
            }
        }
    }
}

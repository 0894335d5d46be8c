using System.ComponentModel.DataAnnotations;

namespace PredictionCache.Grains.Models;

/// <summary>One model of the <c>Models</c> list (section <c>Models:N</c>): its identity, cache policy and backend.</summary>
public sealed class ModelOptions
{
    /// <summary>The built-in sentiment model.</summary>
    public const string BuiltinBackend = "builtin";

    /// <summary>A remote model server over HTTP.</summary>
    public const string HttpBackend = "http";

    /// <summary>DESIGN.md's normalization (NFC, lower case, trimmed, white space collapsed).</summary>
    public const string DefaultNormalization = "default";

    /// <summary>The text as sent: only byte-identical inputs share an entry.</summary>
    public const string ExactNormalization = "exact";

    /// <summary>KServe V1: <c>POST /v1/models/{name}:predict</c>.</summary>
    public const string KServeV1 = "kserve-v1";

    /// <summary>Open Inference Protocol (KServe V2, Triton): <c>POST /v2/models/{name}[/versions/{v}]/infer</c>.</summary>
    public const string OpenInferenceV2 = "open-inference-v2";

    /// <summary><value>The model's name, as clients give it in <c>model</c>. Required.</value></summary>
    public string? Name { get; set; }

    /// <summary><value>The model's version, part of every cache key. Default <c>1</c>.</value></summary>
    public string Version { get; set; } = "1";

    /// <summary><value><c>builtin</c> or <c>http</c>. Default <c>builtin</c>.</value></summary>
    public string Backend { get; set; } = BuiltinBackend;

    /// <summary><value>Seconds an entry stays fresh; unset falls back to <c>Cache:TtlSeconds</c>. Range 1–31,536,000.</value></summary>
    [Range(1, 31_536_000)]
    public int? TtlSeconds { get; set; }

    /// <summary><value><c>default</c> or <c>exact</c>. Default <c>default</c>.</value></summary>
    public string Normalization { get; set; } = DefaultNormalization;

    /// <summary><value>True for the model used when a request names none; none set makes the first the default.</value></summary>
    public bool Default { get; set; }

    /// <summary>
    /// <value>True when every tenant shares the model's entries: its key leaves the tenant out, so one inference answers
    /// all tenants. Only for a model whose answers hold nothing private. Default false (each tenant its own entries).</value>
    /// </summary>
    public bool Shared { get; set; }

    /// <summary><value>HTTP: <c>kserve-v1</c> or <c>open-inference-v2</c>. Default <c>kserve-v1</c>.</value></summary>
    public string Protocol { get; set; } = KServeV1;

    /// <summary><value>HTTP: the model server's absolute base URL (<c>http://host:port</c>). Required for <c>http</c>.</value></summary>
    public string? BaseUrl { get; set; }

    /// <summary><value>HTTP: the model's name on the server; default <see cref="Name"/>.</value></summary>
    public string? RemoteName { get; set; }

    /// <summary><value>HTTP, Open Inference: the version sent in <c>/versions/{v}</c>; unset sends none.</value></summary>
    public string? RemoteVersion { get; set; }

    /// <summary><value>HTTP, Open Inference: the name of the BYTES input tensor. Default <c>text</c>.</value></summary>
    public string InputName { get; set; } = "text";

    /// <summary><value>HTTP, Open Inference: the output tensor to return; unset returns all outputs (one output as its value, several as an object).</value></summary>
    public string? OutputName { get; set; }

    /// <summary><value>HTTP: seconds one upstream attempt may take. Range 1–3600; default 10.</value></summary>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary><value>HTTP: retries after a transient failure (connection error, timeout, 408, 429, 5xx). Range 0–10; default 2.</value></summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary><value>HTTP: first retry delay in milliseconds, doubled each retry, with jitter. Range 0–60,000; default 200.</value></summary>
    [Range(0, 60_000)]
    public int RetryDelayMs { get; set; } = 200;

    /// <summary><value>HTTP: the failure ratio over the sampling window that opens the circuit. Range 0.01–1; default 0.5.</value></summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary><value>HTTP: upstream calls in the window before the circuit may open. Range 2–100,000; default 10.</value></summary>
    [Range(2, 100_000)]
    public int BreakerMinimumThroughput { get; set; } = 10;

    /// <summary><value>HTTP: the breaker's sampling window in seconds. Range 1–3600; default 30.</value></summary>
    [Range(1, 3600)]
    public int BreakerSamplingSeconds { get; set; } = 30;

    /// <summary><value>HTTP: seconds the circuit stays open before one trial call. Range 1–3600; default 30.</value></summary>
    [Range(1, 3600)]
    public int BreakerBreakSeconds { get; set; } = 30;

    /// <summary><value>Upstream requests (HTTP; each carries a batch) or inferences (builtin) in flight at once for this model. Range 1–10,000; default 8.</value></summary>
    [Range(1, 10_000)]
    public int MaxConcurrency { get; set; } = 8;

    /// <summary><value>Misses waiting beyond those in flight; more are refused with 503. Range 0–1,000,000; default 1000.</value></summary>
    [Range(0, 1_000_000)]
    public int MaxQueueLength { get; set; } = 1000;

    /// <summary><value>HTTP: overrides <c>Batching:MaxBatchSize</c> for this model. Range 1–10,000.</value></summary>
    [Range(1, 10_000)]
    public int? MaxBatchSize { get; set; }

    /// <summary><value>HTTP: overrides <c>Batching:MaxDelayMs</c> for this model. Range 0–10,000.</value></summary>
    [Range(0, 10_000)]
    public int? MaxDelayMs { get; set; }

    /// <summary><value>HTTP: headers sent with every request (an API key, say); never shown by <c>GET /models</c>.</value></summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True for an HTTP model.</summary>
    public bool IsHttp => string.Equals(Backend, HttpBackend, StringComparison.OrdinalIgnoreCase);
}

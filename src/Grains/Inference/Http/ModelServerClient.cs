using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using PredictionCache.Grains.Models;

namespace PredictionCache.Grains.Inference.Http;

/// <summary>
/// Sends one batch to a model server through a Polly pipeline: retries with exponential backoff and jitter (outer),
/// a circuit breaker, and a timeout per attempt (inner), all on the injected <see cref="TimeProvider"/>. Every way it
/// can fail ends as <see cref="InferenceFailedException"/> or, when attempts ran out of time,
/// <see cref="InferenceTimeoutException"/>.
/// </summary>
internal sealed class ModelServerClient
{
    /// <summary>The <see cref="IHttpClientFactory"/> client name.</summary>
    public const string HttpClientName = "PredictionCache.ModelServer";

    /// <summary>The largest answer read from a model server: 64 MiB.</summary>
    public const int MaxAnswerBytes = 64 * 1024 * 1024;

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly ModelDescriptor _model;
    private readonly IModelProtocol _protocol;
    private readonly Uri _uri;
    private readonly KeyValuePair<string, string>[] _headers;
    private readonly IHttpClientFactory _clients;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _breakDuration;

    public ModelServerClient(ModelDescriptor model, ModelOptions settings, IHttpClientFactory clients, TimeProvider time, ILogger logger)
    {
        _model = model;
        _clients = clients;
        var remoteName = string.IsNullOrWhiteSpace(settings.RemoteName) ? model.Name : settings.RemoteName;
        _protocol = string.Equals(settings.Protocol, ModelOptions.OpenInferenceV2, StringComparison.OrdinalIgnoreCase)
            ? new OpenInferenceV2Protocol(remoteName, settings.RemoteVersion, settings.InputName, settings.OutputName)
            : new KServeV1Protocol(remoteName);
        var baseUrl = settings.BaseUrl!.EndsWith('/') ? settings.BaseUrl : settings.BaseUrl + "/";
        _uri = _protocol.InferUri(new Uri(baseUrl, UriKind.Absolute));
        _headers = [.. settings.Headers];
        _timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds);
        _breakDuration = TimeSpan.FromSeconds(settings.BreakerBreakSeconds);
        _pipeline = BuildPipeline(settings, time, logger);
    }

    /// <summary>Where batches go.</summary>
    public Uri InferUri => _uri;

    /// <summary>One prediction per text, in order.</summary>
    public async Task<PredictionResult[]> InferBatchAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var body = _protocol.WriteRequest(texts);
        byte[] answer;
        try
        {
            answer = await _pipeline.ExecuteAsync(
                static (state, token) => state.Self.SendAsync(state.Body, token), (Self: this, Body: body), cancellationToken);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new InferenceTimeoutException(_model, _timeout, ex);
        }
        catch (BrokenCircuitException ex)
        {
            throw new InferenceFailedException(
                _model, $"Model '{_model.Name}': the model server is failing; its circuit is open for up to {_breakDuration.TotalSeconds:0.###} s.", ex);
        }
        catch (UpstreamStatusException ex)
        {
            throw new InferenceFailedException(_model, $"Model '{_model.Name}': the model server answered {ex.StatusCode}.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new InferenceFailedException(_model, $"Model '{_model.Name}': the model server could not be reached: {ex.Message}", ex);
        }

        try
        {
            return _protocol.ReadAnswer(answer, texts.Count);
        }
        catch (MalformedAnswerException ex)
        {
            throw new InferenceFailedException(_model, $"Model '{_model.Name}': the model server's answer is malformed: {ex.Message}", ex);
        }
    }

    private async ValueTask<byte[]> SendAsync(byte[] body, CancellationToken cancellationToken)
    {
        var client = _clients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        foreach (var (name, value) in _headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamStatusException((int)response.StatusCode);
        }

        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    private ResiliencePipeline BuildPipeline(ModelOptions settings, TimeProvider time, ILogger logger)
    {
        var name = _model.Name;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time, Name = name };
        if (settings.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.MaxRetries,
                Delay = TimeSpan.FromMilliseconds(settings.RetryDelayMs),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception)),
                OnRetry = args =>
                {
                    ModelServerLog.Retrying(logger, name, args.AttemptNumber + 1, args.Outcome.Exception?.Message ?? "", args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = settings.BreakerFailureRatio,
            MinimumThroughput = settings.BreakerMinimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(settings.BreakerSamplingSeconds),
            BreakDuration = TimeSpan.FromSeconds(settings.BreakerBreakSeconds),
            ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception)),
            OnOpened = args =>
            {
                ModelServerLog.CircuitOpened(logger, name, args.BreakDuration.TotalSeconds, args.Outcome.Exception?.Message ?? "");
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                ModelServerLog.CircuitClosed(logger, name);
                return ValueTask.CompletedTask;
            },
        });
        builder.AddTimeout(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        return builder.Build();
    }

    /// <summary>Failures another attempt may cure; a 4xx or a malformed answer would only repeat.</summary>
    private static bool IsTransient(Exception? exception) => exception switch
    {
        HttpRequestException or TimeoutRejectedException => true,
        UpstreamStatusException status => status.IsTransient,
        _ => false,
    };
}

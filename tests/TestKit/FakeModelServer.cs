using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PredictionCache.TestKit;

/// <summary>How <see cref="FakeModelServer"/> spoils its answers.</summary>
public enum FakeMalformation
{
    /// <summary>Answers well.</summary>
    None,

    /// <summary>A body that is not JSON.</summary>
    NotJson,

    /// <summary>One prediction (or value) fewer than asked for.</summary>
    WrongCount,

    /// <summary>No <c>predictions</c> / <c>outputs</c> field.</summary>
    MissingField,
}

/// <summary>
/// A model server on a loopback port (Kestrel) speaking KServe V1 (<c>POST /v1/models/{name}:predict</c>) and the Open
/// Inference Protocol (<c>POST /v2/models/{name}[/versions/{v}]/infer</c>). It counts what it receives, and can be made
/// slow (<see cref="Latency"/>, <see cref="Hold"/>), failing (<see cref="FailNext"/>, <see cref="FailWith"/>), silent
/// (<see cref="Hang"/>) or malformed (<see cref="Malformation"/>). V1 answers each instance <c>{"echo": text}</c>;
/// V2 answers one BYTES output <c>echo</c> of shape <c>[n, 1]</c> holding the texts.
/// </summary>
public sealed class FakeModelServer : IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly ConcurrentQueue<int> _batchSizes = new();
    private readonly ConcurrentQueue<string> _paths = new();
    private readonly ConcurrentQueue<string> _instances = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly WebApplication _app;
    private TaskCompletionSource _gate = Opened();
    private int _requests;
    private int _failNext;
    private int _failNextStatus = 500;

    private FakeModelServer(WebApplication app) => _app = app;

    /// <summary>The server's base URL, <c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Requests received, answered or not.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Instances (texts) in each request received, in arrival order.</summary>
    public IReadOnlyCollection<int> BatchSizes => _batchSizes;

    /// <summary>Every instance received.</summary>
    public IReadOnlyCollection<string> Instances => _instances;

    /// <summary>Request paths received.</summary>
    public IReadOnlyCollection<string> Paths => _paths;

    /// <summary>Added to every answer.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Every request answered with this status (when set).</summary>
    public int? FailWith { get; set; }

    /// <summary>True: requests are never answered (until the client gives up).</summary>
    public bool Hang { get; set; }

    /// <summary>How answers are spoiled.</summary>
    public FakeMalformation Malformation { get; set; }

    /// <summary>Starts a server on a free loopback port.</summary>
    public static async Task<FakeModelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeModelServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>The next <paramref name="count"/> requests are answered with <paramref name="status"/>.</summary>
    public void FailNext(int count, int status = 500)
    {
        Volatile.Write(ref _failNextStatus, status);
        Volatile.Write(ref _failNext, count);
    }

    /// <summary>Requests from now on wait until <see cref="Release"/>.</summary>
    public void Hold()
    {
        lock (_lock)
        {
            if (_gate.Task.IsCompleted)
            {
                _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Lets waiting and later requests go on.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _gate.TrySetResult();
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> requests have arrived.</summary>
    public Task WaitForRequestsAsync(int count)
    {
        lock (_lock)
        {
            if (_requests >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(FakeInferenceBackend.HangGuard);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        _paths.Enqueue(path);
        var v1 = path.StartsWith("/v1/models/", StringComparison.Ordinal) && path.EndsWith(":predict", StringComparison.Ordinal);
        var v2 = path.StartsWith("/v2/models/", StringComparison.Ordinal) && path.EndsWith("/infer", StringComparison.Ordinal);
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            body = null;
        }

        var texts = (v1 ? body?["instances"] : body?["inputs"]?[0]?["data"])?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
        Task gate;
        List<TaskCompletionSource>? reached = null;
        lock (_lock)
        {
            _requests++;
            gate = _gate.Task;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count <= _requests)
                {
                    (reached ??= []).Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }

        _batchSizes.Enqueue(texts.Count);
        texts.ForEach(_instances.Enqueue);
        reached?.ForEach(s => s.TrySetResult());
        try
        {
            await gate.WaitAsync(context.RequestAborted);
            if (Hang)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }

            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (!v1 && !v2)
        {
            context.Response.StatusCode = (int)HttpStatusCode.NotFound;
            return;
        }

        if (body is null || texts.Count == 0)
        {
            context.Response.StatusCode = (int)HttpStatusCode.BadRequest;
            return;
        }

        if (Interlocked.Decrement(ref _failNext) >= 0)
        {
            context.Response.StatusCode = Volatile.Read(ref _failNextStatus);
            return;
        }

        Interlocked.Exchange(ref _failNext, 0);
        if (FailWith is { } status)
        {
            context.Response.StatusCode = status;
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Answer(v1, texts, Malformation), context.RequestAborted);
    }

    private static string Answer(bool v1, List<string> texts, FakeMalformation malformation)
    {
        if (malformation == FakeMalformation.NotJson)
        {
            return "{\"predictions\": [oops";
        }

        var answered = malformation == FakeMalformation.WrongCount ? texts.Take(texts.Count - 1).ToList() : texts;
        if (v1)
        {
            var predictions = new JsonArray([.. answered.Select(t => (JsonNode)new JsonObject { ["echo"] = t })]);
            return new JsonObject { [malformation == FakeMalformation.MissingField ? "results" : "predictions"] = predictions }.ToJsonString();
        }

        var output = new JsonObject
        {
            ["name"] = "echo",
            ["shape"] = new JsonArray(answered.Count, 1),
            ["datatype"] = "BYTES",
            ["data"] = new JsonArray([.. answered.Select(t => (JsonNode)JsonValue.Create(t))]),
        };
        return new JsonObject
        {
            ["model_name"] = "fake",
            [malformation == FakeMalformation.MissingField ? "results" : "outputs"] = new JsonArray(output),
        }.ToJsonString();
    }

    private static TaskCompletionSource Opened()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }
}

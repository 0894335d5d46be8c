using System.Collections.Concurrent;
using System.Net;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests;

/// <summary>The kill test's stream of distinct misses.</summary>
public sealed partial class ClusterProcessTests
{
    /// <summary>A text the cluster accepted: the gateway that answered <c>202</c> (its index) and the job id it gave.</summary>
    private sealed record Answer(string Text, int Node, Guid JobId);

    /// <summary>
    /// Distinct misses sent by a few concurrent senders, text i to gateway i mod n, each answered <c>202</c> (<c>503</c>s
    /// retried). Once <see cref="Killing"/> was called, a request to gateway 0 waits for its job (<c>Prefer: wait</c>), so
    /// with the model server holding inferences it stays in flight until the kill cuts it off; its text then goes to a
    /// survivor, as a client fails over, and so do gateway 0's later texts.
    /// </summary>
    private sealed class MissBurst(IReadOnlyList<HttpClient> gateways, string prefix)
    {
        private const int Senders = 4;

        private readonly ConcurrentQueue<Answer> _answers = new();
        private volatile bool _killing;
        private volatile bool _firstDown;
        private int _unavailable;
        private int _rerouted;
        private int _cutOff;

        public IReadOnlyCollection<Answer> Answers => _answers;

        /// <summary>503s retried.</summary>
        public int Unavailable => Volatile.Read(ref _unavailable);

        /// <summary>Texts of gateway 0 sent to a survivor instead.</summary>
        public int Rerouted => Volatile.Read(ref _rerouted);

        /// <summary>Requests to gateway 0 the kill cut off in flight.</summary>
        public int CutOff => Volatile.Read(ref _cutOff);

        /// <summary>From now on requests to gateway 0 stay in flight until it dies, which they then expect.</summary>
        public void Killing() => _killing = true;

        /// <summary>Sends texts <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive).</summary>
        public Task SendAsync(int from, int to)
        {
            var next = from - 1;
            return Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < to; i = Interlocked.Increment(ref next))
                {
                    await SendOneAsync(i);
                }
            })));
        }

        private async Task SendOneAsync(int i)
        {
            var text = $"{prefix} {i}";
            var node = i % gateways.Count;
            if (node == 0 && !_firstDown)
            {
                try
                {
                    await AcceptAsync(0, text, wait: _killing);
                    return;
                }
                catch (Exception ex) when (_killing && ex is HttpRequestException or IOException)
                {
                    _firstDown = true;
                    Interlocked.Increment(ref _cutOff);
                }
            }

            if (node == 0)
            {
                Interlocked.Increment(ref _rerouted);
                node = 1 + (i / gateways.Count % (gateways.Count - 1));
            }

            await AcceptAsync(node, text, wait: false);
        }

        private async Task AcceptAsync(int node, string text, bool wait)
        {
            var (response, unavailable) = await gateways[node].SendRetryingAsync(
                () => wait ? GatewayHttp.PredictRequest(text, null, ("Prefer", "wait=60")) : GatewayHttp.PredictRequest(text), Guard);
            Interlocked.Add(ref _unavailable, unavailable);
            using (response)
            {
                var body = await response.ReadJsonAsync();
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"'{text}' on gateway {node} answered {(int)response.StatusCode}, not 202: {body}");
                }

                _answers.Enqueue(new Answer(text, node, body.GetProperty("job_id").GetGuid()));
            }
        }
    }
}

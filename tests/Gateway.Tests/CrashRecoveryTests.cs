using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PredictionCache.Gateway.Tests.Infrastructure;
using PredictionCache.Silo.Storage;
using PredictionCache.TestKit;
using Xunit.Abstractions;

namespace PredictionCache.Gateway.Tests;

/// <summary>
/// End to end: the real gateway process on SQLite is killed with SIGKILL in the middle of a stream of distinct misses
/// and restarted on the same file. Whatever it answered before it died must hold after the restart: every job id
/// it answered is found, finished (completed, or failed as interrupted; never processing), and every entry completed
/// before the kill is a hit from storage without inference.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper log) : IDisposable
{
    // Two senders wait for their jobs (Prefer: wait): their 200s are entries known to be completed before the kill.
    // Two fire and forget (202s). The model is a fake model server taking one request at a time: before the kill the
    // test holds it, so a job the gateway accepted after that is certainly in flight when the kill comes, however the
    // machine schedules the test.
    private const int WaitingSenders = 2;
    private const int AcceptedSenders = 2;
    private const int KillAfterCompleted = 4;
    private const int KillAfterAccepted = 40;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Sqlite_KilledMidStream_RestartFindsEveryAnsweredJobAndServesEveryCompletedEntry()
    {
        await using var server = await FakeModelServer.StartAsync();
        string[] settings =
        [
            "--Storage:Provider=sqlite",
            $"--Storage:ConnectionString={_directory.SqliteConnectionString()}",
            "--Cache:DirectoryShards=1",
            "--Models:0:Name=remote",
            "--Models:0:Backend=http",
            $"--Models:0:BaseUrl={server.BaseUrl}",
            "--Models:0:MaxConcurrency=1",
            "--Models:0:MaxBatchSize=1",
            "--Models:0:MaxQueueLength=1000000",

            // The held request must stay in flight until the kill: no attempt timeout, no retry in between.
            "--Models:0:TimeoutSeconds=3600",
            "--Models:0:MaxRetries=0",
        ];
        var stream = new MissStream();
        int exitCode;
        await using (var doomed = await GatewayProcess.StartAsync(settings))
        {
            var senders = Task.WhenAll(
                Enumerable.Range(0, WaitingSenders + AcceptedSenders)
                    .Select(sender => stream.SendAsync(doomed.Client, sender, wait: sender < WaitingSenders)));

            // On a count of answers, not after a time: a sender failing first ends each wait with its error.
            await Task.WhenAny(stream.ThresholdReached, senders).WaitAsync(GatewayHttp.HangGuard);

            // The gate: the next request to reach the model server is held, and takes the model's one slot for good.
            server.Hold();
            await Task.WhenAny(server.WaitForRequestsAsync(server.Requests + 1), senders).WaitAsync(GatewayHttp.HangGuard);

            // A miss sent from here on has its job created after that: it is queued behind the held one when the kill comes.
            stream.Held();
            await Task.WhenAny(stream.AcceptedWhileHeld, senders).WaitAsync(GatewayHttp.HangGuard);
            stream.Killing();
            exitCode = await doomed.KillAsync();
            await senders.WaitAsync(GatewayHttp.HangGuard);
        }

        server.Release();
        var requestsBeforeRestart = server.Requests;
        await using var gateway = await GatewayProcess.StartAsync(settings);
        var client = gateway.Client;
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var statsBefore = await client.GetStatsAsync();

        var completed = new List<Answer>();
        var interrupted = 0;
        var heldInterrupted = 0;
        foreach (var answer in stream.Answers)
        {
            using var response = await client.GetAsync(new Uri($"/jobs/{answer.JobId}", UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /jobs/{answer.JobId} ({answer.Text}) is {(int)response.StatusCode}.");
            var job = await response.ReadJsonAsync();
            var status = job.GetProperty("status").GetString();
            if (status == "completed")
            {
                var result = job.GetProperty("result");
                Assert.Equal(answer.Text, result.GetProperty("echo").GetString());
                Assert.True(answer.Result is null || answer.Result == result.GetRawText(), $"Job {answer.JobId} answered {answer.Result}, stored {result.GetRawText()}.");
                Assert.False(answer.SentWhileHeld, $"Job {answer.JobId} ({answer.Text}) was sent while the model was held, yet completed.");
                completed.Add(answer with { Result = result.GetRawText() });
            }
            else
            {
                Assert.True(status == "failed", $"Job {answer.JobId} ({answer.Text}) is {status} after the restart.");
                Assert.Null(answer.Result);
                Assert.Equal(SqlJobStore.InterruptedError, job.GetProperty("error").GetString());
                interrupted++;
                heldInterrupted += answer.SentWhileHeld ? 1 : 0;
            }
        }

        foreach (var answer in completed)
        {
            using var hit = await client.PredictAsync(answer.Text);
            Assert.True(hit.StatusCode == HttpStatusCode.OK, $"'{answer.Text}' (job {answer.JobId}, completed before the kill) is {(int)hit.StatusCode} after the restart.");
            Assert.Equal("HIT", hit.Header("X-Cache"));
            var body = await hit.ReadJsonAsync();
            Assert.Equal(answer.JobId, body.GetProperty("job_id").GetGuid());
            Assert.True(body.GetProperty("cached").GetBoolean());
            Assert.Equal(answer.Result, body.GetProperty("result").GetRawText());
        }

        var statsAfter = await client.GetStatsAsync();
        await gateway.DisposeAsync();
        var (integrity, processing) = await InspectDatabaseAsync();
        log.WriteLine(
            $"Answered {stream.Answers.Count} ({stream.Answers.Count(a => a.Result is not null)} with 200) before the kill; " +
            $"after the restart {completed.Count} completed, {interrupted} interrupted ({heldInterrupted} sent while held), " +
            $"{statsAfter.GetProperty("stored_entries").GetInt64()} entries stored.");

        Assert.Equal(137, exitCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.True(stream.Answers.Count(a => a.Result is not null) >= KillAfterCompleted);
        Assert.True(stream.Answers.Count(a => a.Result is null) >= KillAfterAccepted);
        Assert.True(heldInterrupted > 0, "No job was in flight at the kill: the test did not test recovery.");
        Assert.Equal(requestsBeforeRestart, server.Requests);
        Assert.Equal(0, statsBefore.GetProperty("inferences").GetInt64());
        Assert.Equal(0, statsAfter.GetProperty("inferences").GetInt64());
        Assert.Equal(0, statsAfter.GetProperty("misses").GetInt64());
        Assert.Equal(completed.Count, statsAfter.GetProperty("hits").GetInt64());
        Assert.Equal(completed.Count, statsAfter.GetProperty("hits_l2").GetInt64());
        Assert.True(statsAfter.GetProperty("stored_entries").GetInt64() >= completed.Count);
        Assert.Equal("ok", integrity);
        Assert.Equal(0, processing);
    }

    /// <summary>SQLite's own check of the file after both processes ended, and the jobs still marked processing.</summary>
    private async Task<(string Integrity, long Processing)> InspectDatabaseAsync()
    {
        await using var connection = new SqliteConnection(_directory.SqliteConnectionString());
        await connection.OpenAsync();
        await using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        var integrity = (string)(await check.ExecuteScalarAsync())!;
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM jobs WHERE status = 'processing'";
        var processing = (long)(await count.ExecuteScalarAsync())!;
        return (integrity, processing);
    }

    /// <summary>
    /// An answer the gateway gave before it died: a 202 (no result) or a 200 after waiting (its result).
    /// <paramref name="SentWhileHeld"/>: the request was sent once the model server held its one request.
    /// </summary>
    private sealed record Answer(string Text, Guid JobId, string? Result, bool SentWhileHeld);

    /// <summary>The senders' shared record of what the gateway answered, and the point at which it is killed.</summary>
    private sealed class MissStream
    {
        private readonly Lock _gate = new();
        private readonly List<Answer> _answers = [];
        private readonly TaskCompletionSource _threshold = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _acceptedWhileHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _completed;
        private int _accepted;
        private volatile bool _held;
        private volatile bool _killing;

        public Task ThresholdReached => _threshold.Task;

        /// <summary>Completes on the first 202 to a request sent after <see cref="Held"/>.</summary>
        public Task AcceptedWhileHeld => _acceptedWhileHeld.Task;

        public IReadOnlyList<Answer> Answers
        {
            get
            {
                lock (_gate)
                {
                    return [.. _answers];
                }
            }
        }

        /// <summary>From here on a request may die with the process; what it answered before still counts.</summary>
        public void Killing() => _killing = true;

        /// <summary>The model server holds a request that takes the model's one slot: no job created from here on completes.</summary>
        public void Held() => _held = true;

        /// <summary>Sends distinct texts until the process is killed; every answer must be a 202 or, waiting, a 200.</summary>
        public async Task SendAsync(HttpClient client, int sender, bool wait)
        {
            for (var i = 0; !_killing; i++)
            {
                var text = $"crash recovery sender {sender} text {i}";
                var whileHeld = _held;
                try
                {
                    using var request = GatewayHttp.PredictRequest(text);
                    if (wait)
                    {
                        request.Headers.TryAddWithoutValidation("Prefer", "wait=30");
                    }

                    using var response = await client.SendAsync(request);
                    var body = await response.ReadJsonAsync();
                    Record(text, response, body, wait, whileHeld);
                }
                catch (Exception ex) when (_killing && ex is HttpRequestException or IOException)
                {
                    return;
                }
            }
        }

        private void Record(string text, HttpResponseMessage response, JsonElement body, bool wait, bool whileHeld)
        {
            var expected = wait ? HttpStatusCode.OK : HttpStatusCode.Accepted;
            if (response.StatusCode != expected)
            {
                throw new InvalidOperationException($"'{text}' answered {(int)response.StatusCode}, not {(int)expected}: {body}");
            }

            var jobId = body.GetProperty("job_id").GetGuid();
            var result = wait ? body.GetProperty("result").GetRawText() : null;
            lock (_gate)
            {
                _answers.Add(new Answer(text, jobId, result, whileHeld));
                if (whileHeld && !wait)
                {
                    _acceptedWhileHeld.TrySetResult();
                }

                if (wait)
                {
                    _completed++;
                }
                else if (++_accepted >= KillAfterAccepted && _completed >= KillAfterCompleted)
                {
                    _threshold.TrySetResult();
                }
            }
        }
    }
}

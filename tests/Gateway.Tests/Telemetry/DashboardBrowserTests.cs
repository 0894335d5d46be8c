using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.Playwright;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests.Telemetry;

/// <summary>
/// The dashboards in a real browser (ours, then the Orleans Dashboard through its link, behind an API key): Debian's headless Chromium (<c>/usr/bin/chromium</c>, installed by
/// scripts/test.sh when missing) driven by Playwright with that executable, against the real gateway process. Both
/// work under their Content-Security-Policy: the browser reports no violation on its console. It never skips: without
/// the browser it fails, naming what is missing.
/// </summary>
public sealed class DashboardBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ApiKey = "pck_browser-s3cret";

    [Fact]
    public async Task Dashboard_UnderLoad_ShowsTheStatsFiguresAndDrawsItsCharts_AndTheOrleansDashboardShowsTheGrains()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (scripts/test.sh does).");
        await using var gateway = await GatewayProcess.StartAsync(
            "--Storage:Provider=memory",
            "--Cache:DirectoryShards=4",
            "--Auth:Keys:0:Name=browser",
            "--Auth:Keys:0:Roles:0=admin",
            $"--Auth:Keys:0:Sha256={TestKeys.Sha256(ApiKey)}",
            "--Auth:Keys:0:RequestsPerSecond=100000");
        gateway.Client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1100 } });

        // Chromium reports each resource or inline script or style the policy refuses on the console.
        var violations = new ConcurrentQueue<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Enqueue($"{page.Url}: {message.Text}");
            }
        };
        await page.GotoAsync(new Uri(gateway.Address, $"/dashboard?api_key={ApiKey}").ToString());
        await page.WaitForFunctionAsync("() => Number(document.body.dataset.polls || 0) >= 1", null, new PageWaitForFunctionOptions { Timeout = 30_000 });

        // Act: load while the page polls, in two rounds with a poll between them so the rate charts get points:
        // 40 texts, each asked 6 times (the first waits for its inference).
        var texts = Enumerable.Range(0, 40).Select(i => string.Create(CultureInfo.InvariantCulture, $"browser load text {i}")).ToArray();
        await LoadAsync(gateway, texts, repeats: 2, first: true);
        var between = await page.EvaluateAsync<int>("() => Number(document.body.dataset.polls)");
        await page.WaitForFunctionAsync("p => Number(document.body.dataset.polls) > p", between, new PageWaitForFunctionOptions { Timeout = 30_000 });
        await LoadAsync(gateway, texts, repeats: 3, first: false);
        var stats = await gateway.Client.GetStatsAsync();
        var activations = stats.GetProperty("activations").GetInt64().ToString(CultureInfo.InvariantCulture);
        var hitRatio = stats.GetProperty("hit_ratio").GetDouble().ToString("0.0000", CultureInfo.InvariantCulture);

        // Assert: the page's next polls show exactly these figures (load has stopped, so they no longer move).
        var polls = await page.EvaluateAsync<int>("() => Number(document.body.dataset.polls)");
        await page.WaitForFunctionAsync(
            "([a, r, p]) => Number(document.body.dataset.polls) >= p + 2 && document.getElementById('activations-total').textContent === a && document.getElementById('hit-ratio').textContent === r",
            new object[] { activations, hitRatio, polls },
            new PageWaitForFunctionOptions { Timeout = 30_000 });
        Assert.Equal(activations, await page.TextContentAsync("#activations-total"));
        Assert.Equal(hitRatio, await page.TextContentAsync("#hit-ratio"));
        Assert.Equal("0.8333", hitRatio);
        Assert.Equal(44, stats.GetProperty("activations").GetInt64());
        foreach (var chart in new[] { "chart-activations", "chart-cache", "chart-ratio", "chart-calls", "chart-inference", "chart-shards", "chart-jobs" })
        {
            // Series are drawn in saturated colours; grid lines and labels are grey: count only coloured pixels.
            var drawn = await page.EvaluateAsync<int>(
                "id => { const c = document.getElementById(id); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 0 && Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) n++; } return n; }",
                chart);
            Assert.True(drawn > 10, $"Chart {chart} has only {drawn} coloured pixels: no series was drawn.");
        }

        var screenshot = Path.Combine(AppContext.BaseDirectory, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000, "The screenshot is empty.");
        Assert.True(violations.IsEmpty, $"Content-Security-Policy violations:\n{string.Join('\n', violations)}");

        // The Orleans Dashboard, through the page's link: the key came in the query, and the cookie it set carries it
        // on the Orleans Dashboard's own requests (its script and its API calls), which drop the query string.
        var unauthorized = 0;
        page.Response += (_, response) =>
        {
            if (response.Status == (int)HttpStatusCode.Unauthorized)
            {
                Interlocked.Increment(ref unauthorized);
            }
        };
        await page.ClickAsync("#orleans-dashboard");
        await page.WaitForURLAsync("**/dashboard/orleans/**", new PageWaitForURLOptions { Timeout = 30_000 });
        await page.GotoAsync(new Uri(gateway.Address, "/dashboard/orleans/#/grains").ToString());
        await page.WaitForFunctionAsync(
            "() => document.body.innerText.includes('PredictionGrain') && document.body.innerText.includes('CacheDirectoryGrain')",
            null,
            new PageWaitForFunctionOptions { Timeout = 30_000 });
        Assert.Equal(0, unauthorized);
        var orleansScreenshot = Path.Combine(AppContext.BaseDirectory, "dashboard-orleans.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = orleansScreenshot, FullPage = true });
        Assert.True(new FileInfo(orleansScreenshot).Length > 10_000, "The Orleans Dashboard's screenshot is empty.");

        // Its lifecycle page draws a diagram whose elements carry inline styles, which its policy allows.
        await page.GotoAsync(new Uri(gateway.Address, "/dashboard/orleans/#/lifecycle").ToString());
        await page.WaitForSelectorAsync("svg#lifecycle-startup", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.True(violations.IsEmpty, $"Content-Security-Policy violations:\n{string.Join('\n', violations)}");
    }

    private static Task LoadAsync(GatewayProcess gateway, string[] texts, int repeats, bool first) =>
        Parallel.ForEachAsync(texts, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (text, cancellationToken) =>
        {
            if (first)
            {
                using var miss = await gateway.Client.SendAsync(GatewayHttp.PredictRequest(text, null, ("Prefer", "wait=10")), cancellationToken);
                Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
            }

            for (var i = 0; i < repeats; i++)
            {
                using var hit = await gateway.Client.PredictAsync(text);
                Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
            }
        });
}

using System.Net;
using System.Text.Json;
using PredictionCache.Gateway.Tests.Infrastructure;

namespace PredictionCache.Gateway.Tests;

/// <summary><c>GET /openapi/v1.json</c> and the Swagger UI.</summary>
public sealed class OpenApiTests
{
    [Fact]
    public async Task OpenApi_Document_DescribesTheHttpApi()
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = await response.ReadJsonAsync();
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");
        var predict = paths.GetProperty("/predict").GetProperty("post");
        var statuses = predict.GetProperty("responses").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "200", "202", "400", "413", "415", "504" }, statuses);
        Assert.True(predict.TryGetProperty("requestBody", out _));
        Assert.Equal(JsonValueKind.Object, paths.GetProperty("/jobs/{id}").GetProperty("get").ValueKind);
        var batch = paths.GetProperty("/predict/batch").GetProperty("post");
        Assert.Superset(new HashSet<string> { "200", "400", "413", "415" }, batch.GetProperty("responses").EnumerateObject().Select(p => p.Name).ToHashSet());
        Assert.True(batch.TryGetProperty("requestBody", out _));
        Assert.Equal(JsonValueKind.Object, paths.GetProperty("/cache/stats").GetProperty("get").ValueKind);
        Assert.Equal(JsonValueKind.Object, paths.GetProperty("/cache").GetProperty("delete").ValueKind);
        Assert.Equal(JsonValueKind.Object, paths.GetProperty("/cache/entries/{key}").GetProperty("delete").ValueKind);
    }

    [Fact]
    public async Task OpenApi_KeysConfigured_DeclaresBearerAndHeaderSchemes_OnEverySecuredOperation()
    {
        await using var factory = new GatewayFactory(TestKeys.Settings());
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.ReadJsonAsync();
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("http", schemes.GetProperty("Bearer").GetProperty("type").GetString());
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.Equal("apiKey", schemes.GetProperty("ApiKey").GetProperty("type").GetString());
        Assert.Equal("header", schemes.GetProperty("ApiKey").GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Name: $"{operation.Name} {path.Name}", Operation: operation.Value)))
            .ToList();
        Assert.Contains(operations, o => o.Name == "post /predict");
        Assert.Contains(operations, o => o.Name == "delete /cache");
        foreach (var (name, operation) in operations)
        {
            var security = operation.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToHashSet();
            Assert.True(security.SetEquals(["Bearer", "ApiKey"]), $"{name}: security {string.Join(", ", security)}");
            var statuses = operation.GetProperty("responses").EnumerateObject().Select(p => p.Name).ToHashSet();
            Assert.True(statuses.IsSupersetOf(["401", "403", "429"]), $"{name}: responses {string.Join(", ", statuses)}");
            Assert.True(operation.GetProperty("responses").GetProperty("401").GetProperty("content").TryGetProperty("application/problem+json", out _), name);
        }
    }

    [Theory]
    [InlineData("/swagger/index.html")]
    [InlineData("/swagger")]
    public async Task SwaggerUi_Page_Is200Html(string path)
    {
        await using var factory = new GatewayFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("swagger", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}

using PredictionCache.Gateway.Cache;
using PredictionCache.Gateway.Dashboard;
using PredictionCache.Gateway.Health;
using PredictionCache.Gateway.Infrastructure;
using PredictionCache.Gateway.Jobs;
using PredictionCache.Gateway.Models;
using PredictionCache.Gateway.Predict;
using PredictionCache.Gateway.Security;
using PredictionCache.Gateway.Telemetry;

if (NewKeyCommand.TryRun(args, Console.Out))
{
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddGatewayDefaults();
builder.AddPredictionCacheOrleans();
builder.Services.AddGateway(builder.Configuration);

var app = builder.Build();
app.UseGatewayProblems();
app.UseGatewayCors();
app.MapOpenApi().AllowAnonymous();
app.UseSwaggerUI(ui => ui.SwaggerEndpoint("/openapi/v1.json", "PredictionCache v1"));
app.UseDashboardSecurityHeaders();
app.UseGatewaySecurity();
app.MapPredictEndpoints();
app.MapBatchPredictEndpoints();
app.MapJobEndpoints();
app.MapCacheEndpoints();
app.MapClusterEndpoints();
app.MapModelEndpoints();
app.MapHealthEndpoints();
app.MapMetricsEndpoints();
app.MapDashboardEndpoints();
app.Run();

/// <summary>The gateway's entry point; public so tests can host it.</summary>
public partial class Program;

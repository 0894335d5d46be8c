using PredictionCache.Gateway.Dashboard;

namespace PredictionCache.Gateway.Telemetry;

/// <summary>Registers metrics collection for <c>/metrics</c> and the dashboard, and OTLP export.</summary>
internal static class TelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services)
    {
        services.AddOptions<TelemetryOptions>()
            .Configure<IConfiguration>((options, configuration) => options.Bind(configuration))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<MetricsCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricsCollector>());
        services.AddHostedService<OtlpExportService>();
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.SectionName).ValidateOnStart();
        services.AddSingleton<DashboardData>();
        return services;
    }
}

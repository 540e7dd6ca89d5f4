using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Autograd.Cluster.ServiceDefaults;

/// <summary>
/// What every host of the project shares, as in Aspire's ServiceDefaults template: OpenTelemetry logs, metrics and
/// traces exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (Aspire sets it; without it none is
/// collected), and the health
/// endpoints <c>/health</c> (ready: every check) and <c>/alive</c> (live: checks tagged <see cref="LiveTag"/>).
/// </summary>
public static class Extensions
{
    /// <summary>The meter and activity source of the training code (loss, step times, spans per step).</summary>
    public const string AutogradTelemetryName = "Autograd.Cluster";

    /// <summary>Tag of the health checks that <c>/alive</c> runs; <c>/health</c> runs every check.</summary>
    public const string LiveTag = "live";

    /// <summary>Path of the readiness endpoint: every health check must pass.</summary>
    public const string HealthPath = "/health";

    /// <summary>Path of the liveness endpoint: only the checks tagged <see cref="LiveTag"/>.</summary>
    public const string AlivePath = "/alive";

    /// <summary>Adds OpenTelemetry and the default health checks.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Logs, metrics (ASP.NET Core, runtime, process, Orleans' <c>Microsoft.Orleans</c> meter, <c>Autograd.Cluster</c>)
    /// and traces (Orleans' <c>Microsoft.Orleans.Runtime</c> and <c>Microsoft.Orleans.Application</c> sources,
    /// <c>Autograd.Cluster</c>, ASP.NET Core requests except the health probes).
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Without an endpoint (a plain `dotnet run`, a test's silo process) nothing would be exported: register no
        // provider at all, so that no listener makes Orleans and the training code create a span per grain call.
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            return builder;

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddProcessInstrumentation()
                .AddMeter("Microsoft.Orleans", AutogradTelemetryName))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", AutogradTelemetryName, AutogradTelemetryName + ".DataPlane")
                // Probes hit /health and /alive every few seconds: their spans would bury the training spans.
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context =>
                    !context.Request.Path.StartsWithSegments(HealthPath) && !context.Request.Path.StartsWithSegments(AlivePath)))
            .UseOtlpExporter();
        return builder;
    }

    /// <summary>
    /// Serves <c>/health</c> and <c>/alive</c>. Unlike Aspire's template this maps them in every environment: a
    /// Kubernetes probe needs them in production, and they reveal only check names and states.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks(HealthPath);
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        return app;
    }
}

namespace Reports.Hosting;

/// <summary>Headless runs (no dashboard): the services export no telemetry.</summary>
public static class TelemetryExport
{
    /// <summary>
    /// Without a dashboard Aspire still gives every project an OTLP endpoint (its default, where nothing listens): the
    /// services would retry exports to it forever. Headless, they get none, so they export nothing.
    /// </summary>
    public static void WithoutTelemetryExport(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            project.Annotations.Add(new EnvironmentCallbackAnnotation(context =>
            {
                foreach (var name in context.EnvironmentVariables.Keys.Where(name => name.StartsWith("OTEL_EXPORTER_OTLP_", StringComparison.Ordinal)).ToList())
                {
                    context.EnvironmentVariables.Remove(name);
                }
            }));
        }
    }
}

using System.Globalization;

namespace Reports.AppHost.Hosting;

/// <summary>
/// The variables a project's process is given on top of the AppHost's own environment (which it inherits whole),
/// with Aspire's names so that a move to Aspire changes nothing in the services.
/// </summary>
internal static class ProjectEnvironment
{
    private const string Development = "Development";

    public static IReadOnlyDictionary<string, string?> For(ProjectResource project, int replica, Uri? url, AppHostOptions options, int parentPid)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(options);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var reference in project.References)
        {
            environment[$"ConnectionStrings__{reference.Name}"] = reference.GetConnectionString();
        }

        environment["OTEL_SERVICE_NAME"] = project.Name;
        environment["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={project.Name}-{replica.ToString(CultureInfo.InvariantCulture)}";
        if (options.OtlpEndpoint is not null)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = options.OtlpEndpoint.ToString().TrimEnd('/');
        }
        else
        {
            // The dashboard's receiver speaks OTLP/HTTP protobuf; short export intervals (as Aspire sets) keep it live.
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = options.DashboardUrl.ToString().TrimEnd('/');
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            environment["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_METRIC_EXPORT_INTERVAL"] = "5000";
        }

        if (url is not null)
        {
            environment["ASPNETCORE_URLS"] = url.GetLeftPart(UriPartial.Authority);
        }

        // Either one set means the operator chose an environment: keep it (ASPNETCORE_ would override DOTNET_).
        if (IsUnset(options, "ASPNETCORE_ENVIRONMENT") && IsUnset(options, "DOTNET_ENVIRONMENT"))
        {
            environment["ASPNETCORE_ENVIRONMENT"] = Development;
            environment["DOTNET_ENVIRONMENT"] = Development;
        }

        // One line per log entry reads well behind the [resource] prefix (unless the operator chose a console format).
        if (IsUnset(options, "Logging__Console__FormatterName") && IsUnset(options, "Logging__Console__FormatterOptions__SingleLine"))
        {
            environment["Logging__Console__FormatterName"] = "simple";
            environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        }

        foreach (var (name, value) in project.Environment.Where(e => IsUnset(options, e.Key)))
        {
            environment[name] = value;
        }

        environment["REPORTS_PARENT_PID"] = parentPid.ToString(CultureInfo.InvariantCulture);
        return environment;
    }

    private static bool IsUnset(AppHostOptions options, string name) => string.IsNullOrEmpty(options.EnvironmentVariable(name));
}

using Reports.Tests.Catalog;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Reports.Core;
using Reports.Core.Catalog;
using Reports.Core.Queue;
using Reports.Worker;

namespace Reports.Tests.Deploy;

/// <summary>
/// The configuration keys the services read, found in their code: every options class with a <c>SectionName</c> in the
/// API, worker and core assemblies (so a new one is covered as soon as it exists), the catalog overrides, the dataset
/// settings of <c>Reports.Worker migrate</c>, Aspire's connection string names, and what the host and OpenTelemetry read.
/// </summary>
internal static class ServiceSettings
{
    private static readonly Assembly[] Services =
        [typeof(WorkerOptions).Assembly, typeof(Reports.Api.Features.Reports.DownloadOptions).Assembly, typeof(ResourceNames).Assembly];

    /// <summary>Read by the .NET host, Kestrel and the OpenTelemetry SDK rather than by our code.</summary>
    public static IReadOnlyList<string> Platform { get; } =
    [
        "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS",
        "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS",
        "DOTNET_TieredCompilation", "DOTNET_GCgen0size", "DOTNET_GCRegionSize", "MALLOC_ARENA_MAX",
    ];

    /// <summary>Read with GetValue in MigrateCommand.</summary>
    public static IReadOnlyList<string> Dataset { get; } = ["Reports:Dataset:Orders", "Reports:Dataset:Seed"];

    public static IReadOnlyList<string> ConnectionStrings { get; } =
        [.. new[] { ResourceNames.Redis, ResourceNames.Database, ResourceNames.Sales, ResourceNames.Blobs }.Select(n => $"ConnectionStrings:{n}")];

    public static IReadOnlyList<(string Section, Type Type)> OptionsTypes() =>
        [.. Services.SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Field: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
            // The API's view of the workers' lease reads one key of the workers' section, bound and checked as WorkerOptions.
            .Where(x => x.Field is { IsLiteral: true } && x.Type != typeof(CatalogOverrides) && x.Type != typeof(Reports.Api.Features.Ops.WorkerLeaseView))
            .Select(x => ((string)x.Field!.GetRawConstantValue()!, x.Type))
            .OrderBy(x => x.Item1, StringComparer.Ordinal)];

    /// <summary>Every key our code reads, in <c>:</c> form.</summary>
    public static IReadOnlyList<string> Keys()
    {
        var keys = new List<string>(ConnectionStrings);
        foreach (var (section, type) in OptionsTypes())
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                if (property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>))
                {
                    // WorkerOptions.Queues is keyed by queue; other maps (retention per type or owner) by any name.
                    keys.AddRange(property.Name == nameof(Reports.Worker.WorkerOptions.Queues)
                        ? QueueNames.All.Select(q => $"{section}:{property.Name}:{q}")
                        : [$"{section}:{property.Name}"]);
                }
                else
                {
                    keys.Add($"{section}:{property.Name}");
                }
            }
        }

        keys.AddRange(BuiltInReports.Catalog.All.SelectMany(r =>
            new[] { "TimeLimit", "MaxRows", "MaxPdfPages", "MaxAttempts" }.Select(s => $"{CatalogOverrides.SectionName}:{r.Name}:{s}")));
        keys.Add($"{CatalogOverrides.SectionName}:{CatalogOverrides.DiagnosticsKey}");
        keys.Add($"{CatalogOverrides.SectionName}:{CatalogOverrides.PathKey}");
        keys.AddRange(Dataset);
        return keys;
    }

    /// <summary>Whether a setting (<c>__</c> or <c>:</c> form) is one the services read.</summary>
    public static bool IsRead(string name)
    {
        var key = name.Replace("__", ":", StringComparison.Ordinal);
        return Platform.Contains(name, StringComparer.Ordinal)
            || key.StartsWith("Logging:", StringComparison.OrdinalIgnoreCase)
            || Keys().Contains(key, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Binds the settings as the services do and validates them: every options section with unknown keys as errors and its
    /// data annotations, the worker's own rules, and the catalog overrides. Returns the problems, none when all is well.
    /// </summary>
    public static IReadOnlyList<string> Validate(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings
                .GroupBy(s => s.Key.Replace("__", ":", StringComparison.Ordinal), StringComparer.OrdinalIgnoreCase)
                .Select(g => KeyValuePair.Create(g.Key, (string?)g.Last().Value)))
            .Build();
        var problems = new List<string>();
        foreach (var (section, type) in OptionsTypes())
        {
            try
            {
                var options = Activator.CreateInstance(type)!;
                configuration.GetSection(section).Bind(options, o => o.ErrorOnUnknownConfiguration = true);
                var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
                if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
                {
                    problems.AddRange(results.Select(r => $"{section}: {r.ErrorMessage}"));
                }
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"{section}: {e.Message}");
            }
        }

        try
        {
            CatalogOverrides.Apply(BuiltInReports.Catalog, configuration);
            using var worker = Worker(configuration);
            _ = worker.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;
        }
        catch (Exception e) when (e is InvalidOperationException or OptionsValidationException or FormatException)
        {
            problems.Add(e.Message);
        }

        return problems;
    }

    /// <summary>The worker's host as AddReportWorker configures it (nothing is started).</summary>
    public static IHost Worker(IConfiguration? configuration = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (configuration is not null)
        {
            builder.Configuration.AddConfiguration(configuration);
        }

        builder.AddReportWorker();
        return builder.Build();
    }

    /// <summary>The host's shutdown deadline of a worker: what the stop timeouts of the deploy files must exceed.</summary>
    public static TimeSpan WorkerShutdownTimeout()
    {
        using var host = Worker();
        return host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
    }
}

using Reports.AppHost.Processes;

namespace Reports.AppHost.Hosting;

/// <summary>What the command line and the environment ask of the AppHost.</summary>
internal sealed record AppHostOptions
{
    public const int DefaultWorkers = 2;
    public const int DefaultApiPort = 5080;
    public const int DefaultDashboardPort = 18888;
    private readonly string? _dataDirectory;

    public int Workers { get; init; } = DefaultWorkers;

    public int ApiPort { get; init; } = DefaultApiPort;

    /// <summary>
    /// Given to every service as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> instead of the dashboard's receiver (an external
    /// collector, Jaeger, the Aspire dashboard); none by default.
    /// </summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>The developer dashboard's port on localhost; it also receives the services' OTLP/HTTP telemetry.</summary>
    public int DashboardPort { get; init; } = DefaultDashboardPort;

    public Uri DashboardUrl => new($"http://localhost:{DashboardPort}");

    public string RepositoryRoot { get; init; } = ToolPaths.RepositoryRoot;

    /// <summary>
    /// Where servers keep their data across runs, and where resources.json is written: <c>.data/</c> at the repository root,
    /// or the absolute folder given with <c>--data-dir</c>.
    /// </summary>
    public string DataDirectory
    {
        get => _dataDirectory ?? Path.Combine(RepositoryRoot, ".data");
        init => _dataDirectory = value;
    }

    /// <summary>Debug or Release: the services are run from the same build configuration as the AppHost.</summary>
    public string BuildConfiguration { get; init; } = ProjectPaths.ConfigurationOf(AppContext.BaseDirectory);

    /// <summary>Connection strings given with Aspire's names (<c>ConnectionStrings__redis</c>): those servers are not started.</summary>
    public IReadOnlyDictionary<string, string> ConnectionStrings { get; init; } = new Dictionary<string, string>();

    /// <summary>The AppHost's own environment (which the services inherit), to leave alone what is already set.</summary>
    public Func<string, string?> EnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    public string? GivenConnectionString(string name) => ConnectionStrings.TryGetValue(name, out var value) ? value : null;
}

using System.Globalization;
using Reports.Hosting;
using Reports.LocalServers;

namespace Reports.AppHost;

/// <summary>
/// What <c>./reports up</c> (or <c>dotnet run</c>) asks of the AppHost: <c>--workers N</c>, <c>--api-port P</c>,
/// <c>--dashboard-port P</c>, <c>--data-dir DIR</c>, <c>--no-mariadb</c>, <c>--containers</c> or <c>--processes</c>. Everything else is
/// Aspire's configuration (e.g. <c>--ConnectionStrings:redis HOST:PORT</c> to use an existing server).
/// </summary>
internal sealed record AppHostSettings
{
    public const string Usage = """
        Usage: ./reports up [options]     (or: dotnet run --project Reports.AppHost -- [options], or: aspire run)

          --workers N          worker replicas (default 2)
          --api-port P         the API's port on localhost (default 5080)
          --dashboard-port P   the Aspire dashboard's port on localhost (default 18888; 0 for a free one)
          --data-dir DIR       the local servers' data and resources.json (default: .data/ in the repository)
          --no-dashboard       start no dashboard: the services export no telemetry (headless runs, the benchmark)
          --no-mariadb         start no MariaDB (sales-mariadb, the MariaDB copy of the demo data): a faster start
          --containers         run Redis, PostgreSQL, MariaDB and Azurite as containers (needs a container engine)
          --processes          run them as local processes (the default when no container engine answers)
          --ConnectionStrings:NAME VALUE
                               use an existing server (NAME: redis, reportsdb, blobs, sales-mariadb); ConnectionStrings__NAME too
          --help               this text

        Other options with a ':' or '__' in their name are Aspire's configuration (e.g. --Aspire:...).
        """;

    /// <summary>Options of Aspire's own tooling (aspire publish, deploy) that reach the AppHost as arguments.</summary>
    private static readonly string[] AspireToolOptions = ["--operation", "--publisher", "--output-path", "--step", "--log-level", "--environment"];

    public int Workers { get; init; } = 2;

    public int ApiPort { get; init; } = 5080;

    public int DashboardPort { get; init; } = 18888;

    /// <summary>True when <c>--dashboard-port</c> was given: it then wins over a launch profile's URL.</summary>
    public bool DashboardPortGiven { get; init; }

    /// <summary>True for <c>--no-dashboard</c>: no dashboard, so no OTLP endpoint is given to the services.</summary>
    public bool NoDashboard { get; init; }

    /// <summary>True for <c>--no-mariadb</c>: no sales-mariadb resource, and migrate copies nothing into MariaDB.</summary>
    public bool NoMariaDb { get; init; }

    /// <summary>True for <c>--help</c>: print the usage and start nothing.</summary>
    public bool Help { get; init; }

    public string DataDirectory { get; init; } = Path.Combine(ToolPaths.RepositoryRoot, ".data");

    /// <summary>Null: containers when an engine answers.</summary>
    public bool? Containers { get; init; }

    /// <summary>The arguments that are Aspire's, not ours.</summary>
    public IReadOnlyList<string> AspireArguments { get; init; } = [];

    /// <summary>Containers when asked or when an engine answers, else local processes with their data in the data folder.</summary>
    public BackingServiceOptions BackingServices => new(Containers ?? ContainerEngine.Name is not null, DataDirectory);

    /// <summary>
    /// Aspire's options: our arguments removed; the dashboard on <see cref="DashboardPort"/> and its OTLP and resource
    /// service endpoints on free ports (what a launch profile gives under <c>dotnet run</c>, here for a plain start of
    /// the built AppHost too), over plain HTTP on loopback; Development unless an environment is chosen.
    /// </summary>
    public DistributedApplicationOptions AspireOptions()
    {
        List<string> args = [.. AspireArguments];
        void Default(string name, string value)
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)) && !args.Any(a => a.StartsWith($"--{name}", StringComparison.OrdinalIgnoreCase)))
            {
                args.Add($"--{name}={value}");
            }
        }

        var dashboardUrl = $"http://localhost:{DashboardPort.ToString(CultureInfo.InvariantCulture)}";
        if (DashboardPortGiven)
        {
            args.Add($"--ASPNETCORE_URLS={dashboardUrl}"); // the command line wins over the environment (a launch profile's)
        }

        Default("ASPNETCORE_URLS", dashboardUrl);
        Default("ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", $"http://localhost:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}");
        Default("ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL", $"http://localhost:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}");
        if (BackingServices.Containers && ContainerEngine.Name is { } engine)
        {
            Default("ASPIRE_CONTAINER_RUNTIME", engine); // DCP would try docker first: the engine that answered
        }

        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")))
        {
            Default("environment", "Development");
        }

        // The AppHost runs from the repository root, its content root: reloading appsettings.json on change would watch
        // every folder under it with inotify, .data/ too, where PostgreSQL and Azurite write all the time (every write an
        // event the AppHost handles: CPU taken from the services under load, measured in the README's benchmark notes).
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange")))
        {
            args.Add("--hostBuilder:reloadConfigOnChange=false");
        }

        return new DistributedApplicationOptions { Args = [.. args], AllowUnsecuredTransport = true, DisableDashboard = NoDashboard };
    }

    /// <summary>The settings, or the error to print with the usage.</summary>
    public static (AppHostSettings? Settings, string? Error) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var settings = new AppHostSettings();
        List<string> rest = [];
        for (var i = 0; i < args.Count; i++)
        {
            var (key, inline) = Split(args[i]);
            string? Value() => inline ?? (i + 1 < args.Count ? args[++i] : null);
            int Number(int min, int max, string error) =>
                int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                    ? value
                    : throw new FormatException(error);
            AppHostSettings PassedOn(string argument)
            {
                rest.Add(argument);
                return settings;
            }

            try
            {
                settings = key switch
                {
                    "--workers" => settings with { Workers = Number(0, 64, "--workers needs a whole number from 0 to 64.") },
                    "--api-port" => settings with { ApiPort = Number(1, 65535, "--api-port needs a port number from 1 to 65535.") },
                    "--dashboard-port" => settings with
                    {
                        DashboardPort = Number(0, 65535, "--dashboard-port needs a port number from 0 to 65535.") is var port and > 0 ? port : FreePort.Next(),
                        DashboardPortGiven = true,
                    },
                    "--data-dir" => settings with
                    {
                        DataDirectory = Value() is { Length: > 0 } folder
                            ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))
                            : throw new FormatException("--data-dir needs a folder."),
                    },
                    "--containers" or "--processes" => settings with { Containers = key == "--containers" },
                    "--no-dashboard" => settings with { NoDashboard = true },
                    "--no-mariadb" => settings with { NoMariaDb = true },
                    "--help" or "-h" => settings with { Help = true },
                    _ when IsMisspelled(key) => throw new FormatException($"unknown option {key}."),
                    _ => PassedOn(args[i]), // Aspire's configuration or tooling
                };
            }
            catch (FormatException e)
            {
                return (null, e.Message);
            }
        }

        return (settings with { AspireArguments = rest }, null);
    }

    /// <summary>
    /// The port of <c>--api-port</c> or (when the AppHost runs its <paramref name="dashboard"/>) <c>--dashboard-port</c>
    /// already taken (another AppHost?), as the error to print; null when they are free.
    /// </summary>
    public string? BusyPortError(bool dashboard)
    {
        // A launch profile's URL (dotnet run, aspire run) is the dashboard's unless --dashboard-port was given.
        dashboard &= !NoDashboard;
        dashboard &= DashboardPortGiven || string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS"));
        foreach (var (option, port) in dashboard ? new[] { ("--api-port", ApiPort), ("--dashboard-port", DashboardPort) } : [("--api-port", ApiPort)])
        {
            if (!FreePort.IsFree(port))
            {
                return $"port {port.ToString(CultureInfo.InvariantCulture)} is in use (another AppHost?): stop what listens there, or give {option} P.";
            }
        }

        return null;
    }

    /// <summary>
    /// A lowercase option that is neither ours nor Aspire's tooling's (<c>--worker 4</c>): refused rather than passed on
    /// to Aspire's configuration, where it would be ignored. Configuration keys carry ':' or '__' or capitals.
    /// </summary>
    private static bool IsMisspelled(string option) =>
        option.StartsWith('-') && !option.Contains(':', StringComparison.Ordinal) && !option.Contains("__", StringComparison.Ordinal)
        && option.Equals(option.ToLowerInvariant(), StringComparison.Ordinal)
        && !AspireToolOptions.Contains(option, StringComparer.Ordinal);

    private static (string Key, string? Value) Split(string argument)
    {
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return argument.StartsWith("--", StringComparison.Ordinal) && equals > 2 ? (argument[..equals], argument[(equals + 1)..]) : (argument, null);
    }
}

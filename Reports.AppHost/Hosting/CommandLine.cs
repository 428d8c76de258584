using System.Collections;
using System.Globalization;

namespace Reports.AppHost.Hosting;

/// <summary>
/// The AppHost's command line: <c>--workers N</c>, <c>--api-port P</c>, <c>--dashboard-port P</c>, <c>--otlp URL</c>, <c>--data-dir DIR</c>, <c>--help</c>,
/// and Aspire-named connection strings.
/// </summary>
internal sealed record CommandLine
{
    public const int UsageExitCode = 2;
    private const string ConnectionStringsColon = "ConnectionStrings:";
    private const string ConnectionStringsUnderscores = "ConnectionStrings__";

    public const string Usage = """
        Usage: Reports.AppHost [options]     (or: ./reports up [options])

        Runs Redis, PostgreSQL, Azurite, the migrations, the API and the workers, wired together.

          --workers N          worker processes to run (default 2)
          --api-port P         the API's port on localhost (default 5080)
          --dashboard-port P   the developer dashboard's port on localhost (default 18888; 0 for a free one)
          --otlp URL           send every service's telemetry to this OTLP endpoint (e.g. http://localhost:4317)
                               instead of the dashboard
          --data-dir DIR       keep the servers' data and resources.json in DIR (default: .data/ in the repository)
          --ConnectionStrings:NAME VALUE
                               use an existing server instead of starting one (NAME: redis, reportsdb, blobs);
                               the environment variable ConnectionStrings__NAME does the same
          -h, --help           show this help

        Ctrl+C or SIGTERM stops everything gracefully.
        """;

    public AppHostOptions? Options { get; private init; }

    public bool HelpRequested { get; private init; }

    public string? Error { get; private init; }

    public static CommandLine Parse(IReadOnlyList<string> args, IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var connectionStrings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry variable in environment)
        {
            if (ConnectionStringName(variable.Key as string ?? "") is { } name && variable.Value is string { Length: > 0 } value)
            {
                connectionStrings[name] = value;
            }
        }

        var options = new AppHostOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var (key, inlineValue) = SplitInline(args[i]);
            if (key is "-h" or "--help" or "-?")
            {
                return new CommandLine { HelpRequested = true };
            }

            if (!key.StartsWith("--", StringComparison.Ordinal))
            {
                return Fail($"unexpected argument '{args[i]}'.");
            }

            var connectionStringName = ConnectionStringName(key[2..]);
            if (key is not ("--workers" or "--api-port" or "--dashboard-port" or "--otlp" or "--data-dir") && connectionStringName is null)
            {
                return Fail($"unknown option '{key}'.");
            }

            string? value = inlineValue ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null);
            if (value is null)
            {
                return Fail($"{key} needs a value.");
            }

            switch (key)
            {
                case "--workers" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var workers) && workers <= 64:
                    options = options with { Workers = workers };
                    break;
                case "--workers":
                    return Fail($"--workers needs a whole number from 0 to 64, not '{value}'.");
                case "--api-port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535:
                    options = options with { ApiPort = port };
                    break;
                case "--api-port":
                    return Fail($"--api-port needs a port number from 1 to 65535, not '{value}'.");
                case "--dashboard-port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535:
                    options = options with { DashboardPort = port == 0 ? Processes.FreePort.Next() : port };
                    break;
                case "--dashboard-port":
                    return Fail($"--dashboard-port needs a port number from 0 to 65535, not '{value}'.");
                case "--otlp" when Uri.TryCreate(value, UriKind.Absolute, out var otlp) && otlp.Scheme is "http" or "https":
                    options = options with { OtlpEndpoint = otlp };
                    break;
                case "--otlp":
                    return Fail($"--otlp needs an http or https URL such as http://localhost:4317, not '{value}'.");
                case "--data-dir" when FullPath(value) is { } dataDirectory:
                    options = options with { DataDirectory = dataDirectory };
                    break;
                case "--data-dir":
                    return Fail($"--data-dir needs a folder path, not '{value}'.");
                default:
                    connectionStrings[connectionStringName!] = value;
                    break;
            }
        }

        return new CommandLine { Options = options with { ConnectionStrings = connectionStrings } };
    }

    /// <summary>Prints help or the error; returns the exit code when the AppHost should not run (0 for help, 2 for a bad argument).</summary>
    public int? Explain(TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (HelpRequested)
        {
            output.WriteLine(Usage);
            return 0;
        }

        if (Error is not null)
        {
            error.WriteLine($"Reports.AppHost: {Error}");
            error.WriteLine("Run with --help to see the options.");
            return UsageExitCode;
        }

        return null;
    }

    private static CommandLine Fail(string error) => new() { Error = error };

    /// <summary>
    /// Absolute, so every message and every server (PostgreSQL runs with its own folder as working directory) sees the
    /// same folder whatever the working directory; null when <paramref name="path"/> is not a path.
    /// </summary>
    private static string? FullPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        try
        {
            return Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
    }

    private static (string Key, string? Value) SplitInline(string argument)
    {
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return argument.StartsWith("--", StringComparison.Ordinal) && equals > 2
            ? (argument[..equals], argument[(equals + 1)..])
            : (argument, null);
    }

    private static string? ConnectionStringName(string key)
    {
        foreach (var prefix in (string[])[ConnectionStringsColon, ConnectionStringsUnderscores])
        {
            if (key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return key[prefix.Length..];
            }
        }

        return null;
    }
}

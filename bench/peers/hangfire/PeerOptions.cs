using System.Globalization;

namespace Reports.Bench.Peers.Hangfire;

internal enum PeerStorageKind
{
    Redis,
    Postgres,
}

/// <summary>
/// <c>--storage redis|postgres [--connection CS] --jobs N --workers W [--processes P] [--timeout-seconds S]</c>: the command
/// line shared with the BullMQ peer. W is the concurrency of one worker process, P the number of processes it stands for.
/// The connection string, which holds the server's password, is read from <c>PEER_CONNECTION</c> when not given (the
/// benchmark passes it so, out of sight of <c>ps</c>).
/// </summary>
internal sealed record PeerOptions
{
    public const string Usage = "--storage redis|postgres [--connection CS, or PEER_CONNECTION in the environment] --jobs N --workers W [--processes P] [--timeout-seconds S]";

    public required PeerStorageKind Storage { get; init; }
    public required string Connection { get; init; }
    public int Jobs { get; init; } = 20_000;
    public int Workers { get; init; } = 2;
    public int Processes { get; init; } = 1;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    public string PeerName => Storage == PeerStorageKind.Redis ? "hangfire-redis" : "hangfire-postgres";

    /// <summary>The options, or null with a message naming the bad argument.</summary>
    public static (PeerOptions? Options, string? Error) Parse(IReadOnlyList<string> args, string? connectionFromEnvironment = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i += 2)
        {
            if (i + 1 >= args.Count || !args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return (null, $"incomplete argument '{args[i]}'. Usage: {Usage}");
            }

            values[args[i]] = args[i + 1];
        }

        PeerStorageKind? storage = values.GetValueOrDefault("--storage") switch
        {
            "redis" => PeerStorageKind.Redis,
            "postgres" => PeerStorageKind.Postgres,
            _ => null,
        };
        var connection = values.GetValueOrDefault("--connection") ?? connectionFromEnvironment;
        if (storage is null || string.IsNullOrEmpty(connection))
        {
            return (null, $"--storage redis|postgres and a connection string are required. Usage: {Usage}");
        }

        var unknown = values.Keys.Except(["--storage", "--connection", "--jobs", "--workers", "--processes", "--timeout-seconds"]).FirstOrDefault();
        if (unknown is not null)
        {
            return (null, $"unknown argument '{unknown}'. Usage: {Usage}");
        }

        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in (string[])["--jobs", "--workers", "--processes", "--timeout-seconds"])
        {
            if (!values.TryGetValue(name, out var text))
            {
                continue;
            }

            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
            {
                return (null, $"{name} must be a positive integer, not '{text}'.");
            }

            numbers[name] = number;
        }

        var defaults = new PeerOptions { Storage = storage.Value, Connection = connection };
        return (defaults with
        {
            Jobs = numbers.GetValueOrDefault("--jobs", defaults.Jobs),
            Workers = numbers.GetValueOrDefault("--workers", defaults.Workers),
            Processes = numbers.GetValueOrDefault("--processes", defaults.Processes),
            Timeout = numbers.TryGetValue("--timeout-seconds", out var seconds) ? TimeSpan.FromSeconds(seconds) : defaults.Timeout,
        }, null);
    }
}

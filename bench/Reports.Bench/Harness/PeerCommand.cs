using System.Globalization;
using System.Reflection;
using Npgsql;

namespace Reports.Bench.Harness;

/// <summary>How many no-op jobs a peer runs, with how many worker processes of how many concurrent jobs each.</summary>
internal sealed record PeerLoad(int Jobs, int WorkersPerProcess, int Processes, TimeSpan Timeout)
{
    public IEnumerable<string> Arguments =>
    [
        "--jobs", Text(Jobs), "--workers", Text(WorkersPerProcess), "--processes", Text(Processes),
        "--timeout-seconds", Text((int)Math.Ceiling(Timeout.TotalSeconds)),
    ];

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The command line of one peer runner of scenario 6: Hangfire on Redis or PostgreSQL (bench/peers/hangfire, built in
/// the configuration this assembly was built in) or BullMQ (bench/peers/bullmq, run by node).
/// </summary>
internal sealed record PeerCommand(string Peer, string FileName, IReadOnlyList<string> Arguments, string WorkingDirectory)
{
    /// <summary>Set in the runner's environment: secrets, which a command line would show to <c>ps</c>.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public const string HangfireRedis = "hangfire-redis";
    public const string HangfirePostgres = "hangfire-postgres";
    public const string BullMq = "bullmq";

    /// <summary>Hangfire's tables go to a database of their own on the same server, never into ours.</summary>
    public const string HangfireDatabase = "hangfire";

    public static IReadOnlyList<string> All { get; } = [HangfireRedis, HangfirePostgres, BullMq];

    /// <summary>The peer <paramref name="peer"/> on the given servers: Redis as StackExchange.Redis names it, PostgreSQL by any database's connection string.</summary>
    public static PeerCommand For(string peer, string repositoryRoot, string redis, string postgres, PeerLoad load)
    {
        ArgumentNullException.ThrowIfNull(load);
        return peer switch
        {
            HangfireRedis => Hangfire(peer, repositoryRoot, "redis", redis, load),
            HangfirePostgres => Hangfire(peer, repositoryRoot, "postgres", new NpgsqlConnectionStringBuilder(postgres) { Database = HangfireDatabase }.ConnectionString, load),
            BullMq => new PeerCommand(peer, "node",
                ["bench.mjs", "--redis", redis.Split(',')[0].Trim(), .. load.Arguments], Path.Combine(repositoryRoot, "bench/peers/bullmq"))
            {
                Environment = StackExchange.Redis.ConfigurationOptions.Parse(redis).Password is { } password
                    ? new Dictionary<string, string> { ["REDIS_PASSWORD"] = password }
                    : new Dictionary<string, string>(),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(peer), peer, "Unknown peer."),
        };
    }

    /// <summary>Hangfire's runner; its connection string, which holds the server's password, goes in its environment.</summary>
    private static PeerCommand Hangfire(string peer, string repositoryRoot, string storage, string connection, PeerLoad load)
    {
        var configuration = typeof(PeerCommand).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var project = Path.Combine(repositoryRoot, "bench/peers/hangfire");
        var assembly = Path.Combine(project, "bin", configuration, "net10.0/Reports.Bench.Peers.Hangfire.dll");
        return new PeerCommand(peer, "dotnet", [assembly, "--storage", storage, .. load.Arguments], project)
        {
            Environment = new Dictionary<string, string> { [ConnectionVariable] = connection },
        };
    }

    /// <summary>The variable the Hangfire runner reads its connection string from.</summary>
    public const string ConnectionVariable = "PEER_CONNECTION";
}

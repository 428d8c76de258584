using System.Net.Sockets;
using System.Text;

namespace Reports.LocalServers;

/// <summary>A redis-server on loopback with the settings a job queue needs: an append-only file and no eviction.</summary>
public sealed class RedisServer(ChildProcess process, int port) : IAsyncDisposable
{
    public ChildProcess Process { get; } = process;

    public int Port { get; } = port;

    /// <summary>StackExchange.Redis form, as Aspire gives <c>ConnectionStrings__redis</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(string dataDirectory, int port, Action<string> onOutput, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        var arguments = Arguments(port.ToString(System.Globalization.CultureInfo.InvariantCulture), dataDirectory).Select(a => a.ToString()!);
        var process = ChildProcess.Start(ToolPaths.RedisServer, arguments, onOutput);
        var server = new RedisServer(process, port);
        try
        {
            await Readiness.WaitAsync("redis", process, server.PingAsync, TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch
        {
            // Not ready (exited, too slow, or the start was cancelled): leave no process behind.
            await server.StopAsync(TimeSpan.FromSeconds(10));
            throw;
        }

        return server;
    }

    /// <summary>
    /// redis-server's settings for a job queue (append-only file, no eviction, loopback only); <paramref name="port"/> is
    /// a number or, in the AppHost, the endpoint's port resolved at launch.
    /// </summary>
    public static IReadOnlyList<object> Arguments(object port, string dataDirectory) =>
    [
        "--port", port,
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--maxmemory-policy", "noeviction",
        "--dir", dataDirectory,
        "--daemonize", "no",
    ];

    public Task<bool> PingAsync(CancellationToken cancellationToken) => PingAsync(Port, cancellationToken);

    /// <summary>Whether a redis-server on loopback <paramref name="port"/> answers PING.</summary>
    public static Task<bool> PingAsync(int port, CancellationToken cancellationToken) => PingAsync(port, null, cancellationToken);

    /// <summary>Whether a redis-server on loopback <paramref name="port"/> answers PING, signed in with <paramref name="password"/> when it has one.</summary>
    public static async Task<bool> PingAsync(int port, string? password, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(password is null ? "PING\r\n" : $"AUTH {password}\r\nPING\r\n"), cancellationToken);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return (password is null || await reader.ReadLineAsync(cancellationToken) == "+OK")
            && (await reader.ReadLineAsync(cancellationToken))?.StartsWith("+PONG", StringComparison.Ordinal) == true;
    }

    /// <summary>
    /// The password of the redis-server whose data is in <paramref name="dataDirectory"/> (the AppHost's): made once and
    /// kept there in <c>password</c>, readable by its owner only, and written into <c>redis.conf</c> beside it (private
    /// too), which redis-server reads at start as its first argument, so the password is on no command line, where
    /// <c>ps</c> shows it.
    /// </summary>
    public static (string Password, string ConfigFile) PreparePassword(string dataDirectory)
    {
        // Only what this makes is kept: a space would break redis.conf, a ',' the connection string.
        var password = PrivateFile.ReadOrCreate(Path.Combine(dataDirectory, "password"), kept => kept.Length >= 32 && kept.All(char.IsAsciiHexDigitLower),
            () => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
        var configFile = Path.Combine(dataDirectory, "redis.conf");
        PrivateFile.WriteAllText(configFile, $"requirepass {password}\n");
        return (password, configFile);
    }

    public Task StopAsync(TimeSpan deadline) => Process.StopAsync(deadline);

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

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
    public static async Task<bool> PingAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
    }

    public Task StopAsync(TimeSpan deadline) => Process.StopAsync(deadline);

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

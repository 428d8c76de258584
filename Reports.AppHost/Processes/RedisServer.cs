using System.Net.Sockets;
using System.Text;

namespace Reports.AppHost.Processes;

/// <summary>A redis-server on loopback with the settings a job queue needs: an append-only file and no eviction.</summary>
internal sealed class RedisServer(ChildProcess process, int port) : IAsyncDisposable
{
    public ChildProcess Process { get; } = process;

    public int Port { get; } = port;

    /// <summary>StackExchange.Redis form, as Aspire gives <c>ConnectionStrings__redis</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(string dataDirectory, int port, Action<string> onOutput, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        var process = ChildProcess.Start(ToolPaths.RedisServer,
        [
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--maxmemory-policy", "noeviction",
            "--dir", dataDirectory,
            "--daemonize", "no",
        ], onOutput);
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

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, Port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
    }

    public Task StopAsync(TimeSpan deadline) => Process.StopAsync(deadline);

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

using System.Net;
using System.Net.Sockets;

namespace Reports.LocalServers;

public static class FreePort
{
    /// <summary>
    /// A loopback TCP port that nothing listens on right now, chosen below the kernel's ephemeral range where there is room:
    /// a port from that range (what a bind to port 0 gets) is handed out again to the next bind to port 0, such as DCP's
    /// own listeners starting a moment later, and a server given it would then fail to start.
    /// </summary>
    public static int Next()
    {
        var low = EphemeralLow();
        for (var i = 0; i < 200 && low > Lowest + 1_000; i++)
        {
            var port = Random.Shared.Next(Lowest, low);
            if (IsFree(port))
            {
                return port;
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Below this, ports are often fixed ones of well-known services.</summary>
    private const int Lowest = 10_000;

    private static int EphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return int.TryParse(range[0], System.Globalization.CultureInfo.InvariantCulture, out var low) ? low : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return 0; // not Linux: the kernel's choice
        }
    }

    /// <summary>True when a server could listen on <paramref name="port"/> of IPv4 loopback now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

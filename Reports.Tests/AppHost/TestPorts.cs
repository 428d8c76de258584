using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Reports.AppHost.Processes;

namespace Reports.Tests.AppHost;

internal static class TestPorts
{
    /// <summary>
    /// A free loopback port below the kernel's ephemeral range: the AppHost picks its servers' ports from that range
    /// (bind to port 0) before the dashboard and the api listen, so a port from it could be handed out twice.
    /// </summary>
    public static int OutsideEphemeralRange(int except = 0)
    {
        var low = 32768;
        try
        {
            low = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            // Linux's default range.
        }

        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(Math.Max(1024, low - 12_000), low);
            if (port == except)
            {
                continue;
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        return FreePort.Next();
    }
}

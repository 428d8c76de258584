using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Reports.AppHost;
using Reports.LocalServers;

namespace Reports.Tests.AppHost;

public sealed class AppHostSettingsTests
{
    [Fact]
    public void No_dashboard_starts_none_and_leaves_its_port_to_others()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var taken = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        var freeApiPort = FreePort.Next().ToString(CultureInfo.InvariantCulture);

        var (withDashboard, _) = AppHostSettings.Parse(["--dashboard-port", taken, "--api-port", freeApiPort]);
        var (without, _) = AppHostSettings.Parse(["--no-dashboard", "--dashboard-port", taken, "--api-port", freeApiPort]);

        Assert.False(withDashboard!.AspireOptions().DisableDashboard);
        Assert.Contains($"port {taken} is in use", withDashboard.BusyPortError(dashboard: true), StringComparison.Ordinal);
        Assert.True(without!.AspireOptions().DisableDashboard);
        Assert.Null(without.BusyPortError(dashboard: true));
    }

    [Fact]
    public void No_mariadb_is_ours_not_aspires_and_mariadb_runs_unless_it_is_given()
    {
        var (with, _) = AppHostSettings.Parse(["--workers", "1"]);
        var (without, error) = AppHostSettings.Parse(["--no-mariadb", "--workers", "1"]);

        Assert.Null(error);
        Assert.False(with!.NoMariaDb);
        Assert.True(without!.NoMariaDb);
        Assert.DoesNotContain("--no-mariadb", without.AspireArguments);
        Assert.Contains("--no-mariadb", AppHostSettings.Usage, StringComparison.Ordinal);
    }
}

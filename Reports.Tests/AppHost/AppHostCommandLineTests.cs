using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Reports.LocalServers;

namespace Reports.Tests.AppHost;

/// <summary>
/// What the built AppHost refuses before it starts anything: a second AppHost on a data folder in use, a port already
/// taken, an option it does not know. Each answers with a message and a non-zero exit, and leaves no process behind.
/// </summary>
public sealed class AppHostCommandLineTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "reports-apphost-cli-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task A_data_folder_another_apphost_holds_is_refused_with_a_message()
    {
        Directory.CreateDirectory(_dataDirectory);
        // The lock the first AppHost holds for its whole life (an exclusive flock).
        using var first = new FileStream(Path.Combine(_dataDirectory, "apphost.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var (code, output) = await RunAsync("--processes", "--api-port", FreePort.Next().ToString(CultureInfo.InvariantCulture), "--dashboard-port", "0", "--data-dir", _dataDirectory);

        Assert.Equal(3, code);
        Assert.Contains($"another AppHost is running on the data folder {_dataDirectory}", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dataDirectory, ResourcesFile.FileName)), "nothing was started");
    }

    [Fact]
    public async Task Reports_up_on_a_data_folder_in_use_is_refused_before_it_builds_anything()
    {
        Directory.CreateDirectory(_dataDirectory);
        using var first = new FileStream(Path.Combine(_dataDirectory, "apphost.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var start = new ProcessStartInfo(Path.Combine(ToolPaths.RepositoryRoot, "reports")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["up", "--workers", "1", "--data-dir", _dataDirectory])
        {
            start.ArgumentList.Add(argument);
        }

        using var script = Process.Start(start)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var output = script.StandardOutput.ReadToEndAsync(deadline.Token);
        var errors = script.StandardError.ReadToEndAsync(deadline.Token);
        await script.WaitForExitAsync(deadline.Token);

        Assert.Equal(3, script.ExitCode);
        Assert.Contains($"an AppHost is already running on {_dataDirectory}", await errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Build", await output, StringComparison.OrdinalIgnoreCase); // refused before `dotnet build` over the running binaries
    }

    [Fact]
    public async Task An_api_port_in_use_is_refused_with_a_message()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var (code, output) = await RunAsync("--processes", "--api-port", port.ToString(CultureInfo.InvariantCulture), "--dashboard-port", "0", "--data-dir", _dataDirectory);

        Assert.Equal(3, code);
        Assert.Contains($"port {port} is in use", output, StringComparison.Ordinal);
        Assert.Contains("--api-port", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelled_option_is_refused_and_help_prints_the_usage()
    {
        var (code, output) = await RunAsync("--worker", "3", "--data-dir", _dataDirectory);
        Assert.Equal(2, code);
        Assert.Contains("unknown option --worker", output, StringComparison.Ordinal);

        var (helpCode, help) = await RunAsync("--help");
        Assert.Equal(0, helpCode);
        Assert.Contains("--workers N", help, StringComparison.Ordinal);
        Assert.Contains("--dashboard-port P", help, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] arguments)
    {
        var dll = ProjectPaths.AssemblyPath(ToolPaths.RepositoryRoot, "Reports.AppHost", ProjectPaths.ConfigurationOf(AppContext.BaseDirectory));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[dll, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var appHost = Process.Start(start)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            var output = appHost.StandardOutput.ReadToEndAsync(deadline.Token);
            var errors = appHost.StandardError.ReadToEndAsync(deadline.Token);
            await appHost.WaitForExitAsync(deadline.Token);
            return (appHost.ExitCode, await output + await errors);
        }
        finally
        {
            if (!appHost.HasExited)
            {
                appHost.Kill(entireProcessTree: true);
            }
        }
    }
}

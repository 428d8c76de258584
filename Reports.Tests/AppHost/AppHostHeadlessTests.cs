using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Reports.LocalServers;
using Reports.Tests.Integration;

namespace Reports.Tests.AppHost;

/// <summary>
/// <c>--no-dashboard</c> (headless runs, the benchmark): no dashboard process and no telemetry endpoint given to the
/// services, which would otherwise retry their exports to a port where nothing listens.
/// </summary>
public sealed class AppHostHeadlessTests
{
    [Fact]
    public async Task Without_a_dashboard_the_services_get_no_telemetry_endpoint_the_apphost_watches_no_files_and_sigterm_stops_everything()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "reports-headless-" + Guid.NewGuid().ToString("N")[..10]);
        var output = new ConcurrentQueue<string>();
        var dll = ProjectPaths.AssemblyPath(ToolPaths.RepositoryRoot, "Reports.AppHost", ProjectPaths.ConfigurationOf(AppContext.BaseDirectory));
        var appHost = ChildProcess.Start("dotnet",
            [dll, "--processes", "--no-dashboard", "--workers", "1", "--api-port", FreePort.Next().ToString(CultureInfo.InvariantCulture), "--data-dir", dataDirectory],
            output.Enqueue,
            environment: new Dictionary<string, string?> { ["Reports__Dataset__Orders"] = "2000" });
        try
        {
            var resources = Path.Combine(dataDirectory, ResourcesFile.FileName);
            await Poll.UntilAsync(() => ResourcesFile.Read(resources) is var records
                && records.Any(r => r is { Name: "api", Health: "Healthy", Pid: not null }) && records.Any(r => r is { Name: "worker", Health: "Healthy", Pid: not null }),
                "the api and the worker are healthy", TimeSpan.FromMinutes(3));

            foreach (var service in ResourcesFile.Read(resources).Where(r => r.Name is "api" or "worker"))
            {
                var environment = Encoding.UTF8.GetString(await File.ReadAllBytesAsync($"/proc/{service.Pid}/environ")).Split('\0');
                Assert.Contains(environment, variable => variable.StartsWith("OTEL_SERVICE_NAME=", StringComparison.Ordinal));
                Assert.DoesNotContain(environment, variable => variable.StartsWith("OTEL_EXPORTER_OTLP_ENDPOINT=", StringComparison.Ordinal));
            }

            Assert.DoesNotContain(ProcessTree.Descendants(appHost.Id), pid => ProcessTree.CommandLine(pid).Any(a => a.Contains("aspire.dashboard", StringComparison.OrdinalIgnoreCase)));

            // No configuration reload: it would watch every folder under the content root, the data folder too, where the
            // servers write all the time.
            Assert.Equal(0, InotifyWatches(appHost.Id));
        }
        finally
        {
            Signals.Send(appHost.Id, Signals.SigTerm);
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            Assert.Equal(0, await appHost.Exited.WaitAsync(deadline.Token));
            await appHost.DisposeAsync();
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The file watches a process holds: one <c>inotify wd:</c> line per watched folder in its inotify descriptors' fdinfo.</summary>
    private static int InotifyWatches(int pid) =>
        new DirectoryInfo($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd").EnumerateFileSystemInfos()
            .Where(fd => fd.LinkTarget == "anon_inode:inotify")
            .Sum(fd => File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fdinfo/{fd.Name}").Count(line => line.StartsWith("inotify", StringComparison.Ordinal)));
}

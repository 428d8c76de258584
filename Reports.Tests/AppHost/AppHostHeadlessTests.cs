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
    private const string BootstrapKey = "headless-bootstrap-key-0123456789";

    [Fact]
    public async Task Without_a_dashboard_the_services_get_no_telemetry_endpoint_only_the_api_gets_sign_in_settings_both_read_mariadb_the_apphost_watches_no_files_and_sigterm_stops_everything()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "reports-headless-" + Guid.NewGuid().ToString("N")[..10]);
        var output = new ConcurrentQueue<string>();
        var appHost = StartHeadless(dataDirectory, output.Enqueue, BootstrapKey);
        try
        {
            var resources = Path.Combine(dataDirectory, ResourcesFile.FileName);
            await UntilHealthyAsync(resources, appHost.Id);

            foreach (var service in ResourcesFile.Read(resources).Where(r => r.Name is "api" or "worker"))
            {
                var environment = Encoding.UTF8.GetString(await File.ReadAllBytesAsync($"/proc/{service.Pid}/environ")).Split('\0');
                Assert.Contains(environment, variable => variable.StartsWith("OTEL_SERVICE_NAME=", StringComparison.Ordinal));
                Assert.DoesNotContain(environment, variable => variable.StartsWith("OTEL_EXPORTER_OTLP_ENDPOINT=", StringComparison.Ordinal));

                // Sign-in settings (a secret here) reach the api, which reads them, and no other service.
                Assert.Equal(service.Name == "api", environment.Contains($"Reports__Auth__BootstrapAdminKey={BootstrapKey}"));

                // The MariaDB copy is a report source read with the account that may only SELECT, with its reports.
                Assert.Contains(environment, variable => variable.StartsWith("ConnectionStrings__sales-mariadb=", StringComparison.Ordinal)
                    && variable.Contains("User ID=sales_reader;", StringComparison.Ordinal));
                Assert.Contains("Reports__Sources__sales-mariadb__Kind=MySql", environment);
                Assert.Contains(environment, variable => variable.StartsWith("Reports__Catalog__Path=", StringComparison.Ordinal)
                    && variable.EndsWith(";" + Path.Combine(ToolPaths.RepositoryRoot, "catalog", "mariadb"), StringComparison.Ordinal));
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

    /// <summary>
    /// An AppHost killed without warning (SIGKILL: no reaper runs) leaves nothing behind, because DCP watches the AppHost
    /// and stops what it started; the next start on the same data folder (stale postmaster.pid, AOF, Azurite's files)
    /// comes up healthy.
    /// </summary>
    [Fact]
    public async Task A_killed_apphost_leaves_no_process_and_the_next_start_on_its_long_named_data_folder_comes_up()
    {
        // A long folder name too: a Unix socket path under it would pass the 107-byte limit (PostgreSQL listens on TCP only).
        var dataDirectory = Path.Combine(Path.GetTempPath(), "reports-killed-" + Guid.NewGuid().ToString("N")[..10], new string('d', 100));
        var resources = Path.Combine(dataDirectory, ResourcesFile.FileName);
        try
        {
            var first = StartHeadless(dataDirectory);
            await using (first)
            {
                await UntilHealthyAsync(resources, first.Id);
                var started = ResourcesFile.Read(resources).Where(r => r.Name != ResourcesFile.AppHostName).Select(r => r.Pid).OfType<int>().ToList();
                Assert.NotEmpty(started);
                Signals.Send(first.Id, Signals.SigKill);
                await Poll.UntilAsync(() => started.All(pid => ProcessTree.Stat(pid) is null or { State: 'Z' }),
                    "every process the killed AppHost started has exited", TimeSpan.FromMinutes(2));
            }

            var second = StartHeadless(dataDirectory);
            await using (second)
            {
                await UntilHealthyAsync(resources, second.Id);
                Signals.Send(second.Id, Signals.SigTerm);
                using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                Assert.Equal(0, await second.Exited.WaitAsync(deadline.Token));
            }
        }
        finally
        {
            try
            {
                Directory.Delete(Path.GetDirectoryName(dataDirectory)!, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static ChildProcess StartHeadless(string dataDirectory, Action<string>? output = null, string? bootstrapKey = null)
    {
        var dll = ProjectPaths.AssemblyPath(ToolPaths.RepositoryRoot, "Reports.AppHost", ProjectPaths.ConfigurationOf(AppContext.BaseDirectory));
        return ChildProcess.Start("dotnet",
            [dll, "--processes", "--no-dashboard", "--workers", "1", "--api-port", FreePort.Next().ToString(CultureInfo.InvariantCulture), "--data-dir", dataDirectory],
            output ?? (_ => { }),
            environment: new Dictionary<string, string?> { ["Reports__Dataset__Orders"] = "2000", ["Reports__Auth__BootstrapAdminKey"] = bootstrapKey ?? "" });
    }

    /// <summary>Until the file written by the AppHost <paramref name="appHost"/> (not one killed before it) shows the api and the worker healthy.</summary>
    private static Task UntilHealthyAsync(string resources, int appHost) =>
        Poll.UntilAsync(() => File.Exists(resources) && ResourcesFile.Read(resources) is var records
            && records.Any(r => r.Name == ResourcesFile.AppHostName && r.Pid == appHost)
            && records.Any(r => r is { Name: "api", Health: "Healthy", Pid: not null }) && records.Any(r => r is { Name: "worker", Health: "Healthy", Pid: not null }),
            "the api and the worker are healthy", TimeSpan.FromMinutes(3));

    /// <summary>The file watches a process holds: one <c>inotify wd:</c> line per watched folder in its inotify descriptors' fdinfo.</summary>
    private static int InotifyWatches(int pid) =>
        new DirectoryInfo($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd").EnumerateFileSystemInfos()
            .Where(fd => fd.LinkTarget == "anon_inode:inotify")
            .Sum(fd => File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fdinfo/{fd.Name}").Count(line => line.StartsWith("inotify", StringComparison.Ordinal)));
}

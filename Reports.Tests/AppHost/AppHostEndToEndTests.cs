using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Reports.AppHost.Processes;
using Reports.Tests.Integration;

namespace Reports.Tests.AppHost;

/// <summary>
/// The AppHost as a real process, as <c>./reports up</c> runs it (issue 3): it brings up every resource, a report is
/// requested, polled and downloaded through the SAS URL, a worker killed by hand is restarted, and a stop signal leaves
/// no process behind. Its own ports and data folder, so it runs beside the other collections.
/// </summary>
public sealed class AppHostEndToEndTests
{
    private static readonly string[] RunningResources = ["redis", "postgres", "reportsdb", "storage", "blobs", "api", "worker-0", "worker-1"];
    private static readonly string[] ProcessResources = ["redis", "postgres", "storage", "api", "worker-0", "worker-1"];
    private static readonly string[] OrdersHeader = ["order_id", "ordered_at_utc", "customer", "country", "status", "items", "currency", "amount"];

    [Fact]
    public async Task The_AppHost_runs_everything_serves_a_report_restarts_a_killed_worker_and_leaves_no_process_behind_when_stopped()
    {
        // Development (the default of ./reports up), so the AppHost makes an admin key; a small dataset, seeded in seconds.
        await using var appHost = AppHostProcess.Start(workers: 2, new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Reports__Dataset__Orders"] = "20000",
        });
        using var api = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = appHost.ApiAddress, Timeout = TimeSpan.FromSeconds(30) };

        await appHost.UntilAsync(
            async () => RunningResources.All(name => appHost.Resource(name)?.State == "Running") && await AnswersOkAsync(api, "/health"),
            "resources.json shows every resource running and the api's /health answers 200",
            TimeSpan.FromMinutes(3));
        var running = appHost.Resources().ToDictionary(r => r.Name);
        foreach (var name in RunningResources)
        {
            Assert.True(running.TryGetValue(name, out var resource) && resource.State == "Running", $"{name}: {Describe(running.GetValueOrDefault(name))}");
        }

        Assert.All(ProcessResources, name => Assert.NotNull(running[name].Pid));
        Assert.Equal(appHost.Pid, running["apphost"].Pid);
        Assert.Equal(("Finished", 0), (running["migrate"].State, running["migrate"].ExitCode));
        var postmaster = appHost.PostmasterPid();
        Assert.NotNull(postmaster);
        HashSet<int> started = [appHost.Pid, postmaster.Value, .. running.Values.Select(r => r.Pid).OfType<int>()];

        // The key a person copies from the console: printed with the full path of the file that keeps it.
        var adminKey = appHost.AdminKey();
        Assert.NotNull(adminKey);
        Assert.Equal($"Admin API key: {adminKey} (from {Path.Combine(appHost.DataDirectory, "admin-key")})", appHost.AdminKeyLine);
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        await appHost.UntilAsync(() => AnswersOkAsync(api, "/api/admin/api-keys"), "the api accepts the admin key (registered in the background at start)", TimeSpan.FromMinutes(1));

        await RequestAndDownloadOrdersCsvAsync(api, running["blobs"].Endpoint!);

        var killed = running["worker-0"].Pid!.Value;
        Assert.True(Signals.Send(killed, Signals.SigKill), $"could not kill worker-0 (pid {killed})");
        ResourceRecord? restarted = null;
        await appHost.UntilAsync(
            () =>
            {
                restarted = appHost.Resource("worker-0");
                return Task.FromResult(restarted is { State: "Running", Pid: { } pid, Restarts: >= 1 } && pid != killed);
            },
            $"worker-0 (pid {killed}, killed with SIGKILL) runs again under another pid",
            TimeSpan.FromMinutes(2));
        started.UnionWith(appHost.Resources().Select(r => r.Pid).OfType<int>());

        var exitCode = await appHost.StopAsync(Signals.SigTerm, TimeSpan.FromSeconds(90));

        var alive = started.Where(ProcessTable.IsAlive).Select(pid => $"{pid}: {ProcessTable.CommandLine(pid)}").ToList();
        Assert.True(alive.Count == 0, $"Still running after the AppHost stopped: {string.Join("; ", alive)}");
        // And the processes resources.json never listed: all inherit the AppHost's marker (redis-server and PostgreSQL's
        // backends overwrite theirs with a process title; the postmaster, which outlives its backends, keeps it).
        Assert.Empty(ProcessTable.WithEnvironment(OrphanReaper.MarkerVariable, appHost.Pid.ToString(CultureInfo.InvariantCulture)));
        Assert.All(appHost.Resources(), r => Assert.True(r is { State: "Stopped", Pid: null }, Describe(r)));
        Assert.True(exitCode == 0, $"The AppHost exited with code {exitCode}.{Environment.NewLine}{appHost.Output}");
    }

    /// <summary>What the README shows with curl: POST, poll until succeeded, then the 302 to a SAS URL on Azurite.</summary>
    private static async Task RequestAndDownloadOrdersCsvAsync(HttpClient api, string blobEndpoint)
    {
        var created = await ReportsClient.CreateAsync(api, new
        {
            type = "orders",
            format = "csv",
            parameters = new { from = "2024-01-01", to = "2024-06-30" },
        });
        var id = created.GetProperty("id").GetString()!;
        var done = await ReportsClient.WaitForFinalAsync(api, id, TimeSpan.FromMinutes(2));
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());

        using var redirect = await api.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        var location = redirect.Headers.Location!;
        Assert.StartsWith(blobEndpoint + "/", location.AbsoluteUri, StringComparison.Ordinal);
        Assert.Contains("sig=", location.Query, StringComparison.Ordinal);

        using var storage = new HttpClient();
        using var download = await storage.GetAsync(location);
        download.EnsureSuccessStatusCode();
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.EndsWith(".csv", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        var bytes = await download.Content.ReadAsByteArrayAsync();
        var file = done.GetProperty("file");
        Assert.Equal(file.GetProperty("sizeBytes").GetInt64(), bytes.LongLength);
        Assert.Equal(file.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));

        var rows = Csv.Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes));
        var rowsWritten = done.GetProperty("progress").GetProperty("rowsWritten").GetInt64();
        Assert.Equal(OrdersHeader, rows[0]);
        Assert.True(rowsWritten > 0, done.ToString());
        Assert.Equal(rowsWritten, rows.Count - 1);
        Assert.All(rows.Skip(1), row => Assert.InRange(row[1], "2024-01-01 00:00:00", "2024-06-30 23:59:59"));
    }

    private static async Task<bool> AnswersOkAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
    }

    private static string Describe(ResourceRecord? record) =>
        record is null ? "missing from resources.json" : JsonSerializer.Serialize(record, ResourcesFileJsonContext.Default.ResourceRecord);
}

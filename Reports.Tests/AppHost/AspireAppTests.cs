using System.Globalization;
using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Reports.LocalServers;
using Reports.Tests.Integration;

namespace Reports.Tests.AppHost;

/// <summary>The AppHost's application, started by Aspire.Hosting.Testing: what a developer gets from <c>./reports up</c>.</summary>
[Collection(AspireAppGroup.Name)]
public sealed class AspireAppTests(AspireApp system)
{
    private static readonly object LongReport = new { type = "orders", format = "csv", parameters = new { from = "2021-01-01", to = "2025-12-31" } };

    [Fact]
    public async Task Redis_has_a_password_kept_private_in_the_data_folder_and_on_no_command_line_and_refuses_a_client_without_it()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var connectionString = await system.App.GetConnectionStringAsync("redis", timeout.Token);
        var options = StackExchange.Redis.ConfigurationOptions.Parse(connectionString!);
        var passwordFile = Path.Combine(system.DataDirectory, "redis", "password");
        Assert.Equal(File.ReadAllText(passwordFile).Trim(), options.Password);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(system.DataDirectory, "redis", "redis.conf")));
        Assert.Equal(connectionString, system.Resources().Single(r => r.Name == "redis").ConnectionString);

        // redis-server reads it from its config file, the first argument; its command line (which redis-server rewrites
        // once started, so read where DCP launched it) does not carry it.
        Assert.True(system.App.ResourceNotifications.TryGetCurrentState("redis", out var redis));
        var args = redis.Snapshot.Properties.Single(p => p.Name == "executable.args").Value is IEnumerable<string> list ? list.ToList() : [];
        Assert.Equal(Path.Combine(system.DataDirectory, "redis", "redis.conf"), args.FirstOrDefault());
        Assert.DoesNotContain(args, argument => argument.Contains(options.Password!, StringComparison.Ordinal));

        // With the password the services' client works; without it every command is refused.
        await using (var signedIn = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options))
        {
            await signedIn.GetDatabase().PingAsync();
        }

        options.Password = null;
        options.AbortOnConnectFail = false;
        await using var anonymous = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options);
        var refused = await Assert.ThrowsAnyAsync<StackExchange.Redis.RedisException>(() => anonymous.GetDatabase().StringGetAsync("reports:anything"));
        Assert.Contains("NOAUTH", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_resource_runs_healthy_and_migrate_completes()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var notifications = system.App.ResourceNotifications;
        await notifications.WaitForResourceAsync("migrate", KnownResourceStates.Finished, timeout.Token);
        Assert.True(notifications.TryGetCurrentState("migrate", out var migrate));
        Assert.Equal(0, migrate.Snapshot.ExitCode);

        // resources.json lists each resource with its process, and two worker replicas, all healthy.
        await Poll.UntilAsync(() => system.Resources().Count(r => r.Name.StartsWith("worker-", StringComparison.Ordinal)
            && r is { State: "Running", Health: "Healthy", Pid: not null }) == 2, "two healthy worker replicas", TimeSpan.FromMinutes(2));
        var resources = system.Resources().ToDictionary(r => r.Name);
        foreach (var name in (string[])["redis", "postgres", "blobs", "api"])
        {
            Assert.True(resources[name] is { State: "Running", Pid: not null }, $"{name}: {resources[name]}");
            Assert.NotNull(ProcessTree.Stat(resources[name].Pid!.Value));
        }

        Assert.StartsWith("127.0.0.1:", resources["redis"].ConnectionString, StringComparison.Ordinal);
        Assert.Contains("Database=reportsdb", resources["reportsdb"].ConnectionString, StringComparison.Ordinal);
        Assert.Contains("Database=sales", resources["sales"].ConnectionString, StringComparison.Ordinal);

        // The demo dataset is in its own database on the same server; the job store holds only jobs.
        await using var jobStore = await system.DatabaseAsync();
        await using (var schemas = jobStore.CreateCommand("SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname IN ('reports', 'sales')"))
        {
            Assert.Equal("reports", await schemas.ExecuteScalarAsync(timeout.Token));
        }

        // migrate copied the seeded dataset into MariaDB: the same dataset, every order.
        Assert.True(resources["sales-mariadb"] is { State: "Running", Health: "Healthy", Pid: not null }, $"sales-mariadb: {resources["sales-mariadb"]}");
        await using var postgres = await system.DatabaseAsync("sales");
        await using var postgresDataset = postgres.CreateCommand("SELECT orders FROM sales.dataset");
        var seeded = (long)(await postgresDataset.ExecuteScalarAsync(timeout.Token))!;
        await using var mariaDb = new MySqlConnector.MySqlConnection(await system.App.GetConnectionStringAsync("sales-mariadb", timeout.Token));
        await mariaDb.OpenAsync(timeout.Token);
        await using var copied = new MySqlConnector.MySqlCommand("SELECT (SELECT orders FROM dataset), (SELECT COUNT(*) FROM orders)", mariaDb);
        await using var reader = await copied.ExecuteReaderAsync(timeout.Token);
        Assert.True(await reader.ReadAsync(timeout.Token));
        Assert.Equal(seeded, reader.GetInt64(0));
        Assert.Equal(seeded, reader.GetInt64(1));
    }

    /// <summary>The job store has no sales tables (see above): the rows come from the demo dataset's own database, all of them.</summary>
    [Fact]
    public async Task A_csv_report_runs_end_to_end()
    {
        using var client = system.CreateAdminClient();
        var created = await ReportsClient.CreateAsync(client, new { type = "orders", format = "csv", parameters = new { from = "2024-01-01", to = "2024-03-31" } });
        var id = created.GetProperty("id").GetString()!;

        var final = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(2));

        Assert.True(final.GetProperty("status").GetString() == "succeeded", final.ToString());
        var rows = final.GetProperty("progress").GetProperty("rowsWritten").GetInt64();
        await using var sales = await system.DatabaseAsync("sales");
        await using var count = sales.CreateCommand("SELECT count(*) FROM sales.orders WHERE ordered_at >= '2024-01-01Z' AND ordered_at < '2024-04-01Z'");
        Assert.Equal((long)(await count.ExecuteScalarAsync())!, rows);
        Assert.True(rows > 0);
        var bytes = await DownloadAsync(client, id);
        var parsed = Csv.Parse(System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal("order_id", parsed[0][0]);
        Assert.Equal(rows, parsed.Count - 1);
        Assert.Equal(final.GetProperty("file").GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact]
    public async Task A_worker_replica_killed_by_its_dashboard_command_has_its_job_taken_over_by_the_other()
    {
        using var client = system.CreateAdminClient();
        await using var database = await system.DatabaseAsync();
        var id = (await ReportsClient.CreateAsync(client, LongReport)).GetProperty("id").GetString()!;

        // The replica that holds the job's lease: its worker id ends with its process id.
        string? owner = null;
        await Poll.UntilAsync(async () =>
        {
            await using var command = database.CreateCommand("SELECT lease_owner FROM reports.jobs WHERE id = $1 AND status = 'running'");
            command.Parameters.AddWithValue(Guid.Parse(id));
            owner = await command.ExecuteScalarAsync() as string;
            return owner is not null;
        }, "a worker runs the job", TimeSpan.FromMinutes(1));
        var worker = owner ?? throw new InvalidOperationException("no lease owner");
        var ownerPid = int.Parse(worker[(worker.LastIndexOf('-') + 1)..], CultureInfo.InvariantCulture);
        // resources.json names a replica by its `dotnet run` launcher for the moment before the service starts under it.
        ResourceRecord? replica = null;
        await Poll.UntilAsync(() => (replica = system.Resources().SingleOrDefault(r => r.Pid == ownerPid && r.Name.StartsWith("worker-", StringComparison.Ordinal))) is not null,
            "resources.json names the replica that runs the job", TimeSpan.FromMinutes(1));

        var killed = await system.Service<ResourceCommandService>().ExecuteCommandAsync(replica!.Name, "kill");

        Assert.True(killed.Success, killed.Message ?? "the kill command failed");
        await Poll.UntilAsync(() => ProcessTree.Stat(ownerPid) is null or { State: 'Z' }, "the replica's process is gone");
        var final = await ReportsClient.WaitForFinalAsync(client, id, TimeSpan.FromMinutes(4));
        Assert.True(final.GetProperty("status").GetString() == "succeeded", final.ToString());
        Assert.True(final.GetProperty("attempts").GetInt32() >= 2, final.ToString());
    }

    [Fact]
    public async Task A_worker_replica_that_exits_is_started_again_after_a_clean_exit_and_after_each_crash()
    {
        await Poll.UntilAsync(() => system.Resources().Any(r => r.Name.StartsWith("worker-", StringComparison.Ordinal)), "a worker replica is listed",
            TimeSpan.FromMinutes(2));
        var replica = system.Resources().First(r => r.Name.StartsWith("worker-", StringComparison.Ordinal)).Name;
        var first = await RunningReplicaAsync(replica, null);

        // A scale-in: SIGTERM, the worker releases its jobs and exits 0. The AppHost keeps the replica count.
        Assert.True(Signals.Send(first.Program, Signals.SigTerm));
        var second = await RunningReplicaAsync(replica, first.Launcher);

        // A crash, then another as soon as the new process runs: each exit is followed by one start.
        Assert.True(Signals.Send(second.Program, Signals.SigKill));
        var third = await RunningReplicaAsync(replica, second.Launcher, healthy: false);
        Assert.True(Signals.Send(third.Program, Signals.SigKill));
        var fourth = await RunningReplicaAsync(replica, third.Launcher);

        Assert.DoesNotContain(fourth.Program, (int[])[first.Program, second.Program, third.Program]);
    }

    /// <summary>
    /// The replica's launcher and program once it runs (and answers its health check, when <paramref name="healthy"/>)
    /// under a launcher other than <paramref name="notLauncher"/>, whose program has started (its only child).
    /// </summary>
    private async Task<(int Launcher, int Program)> RunningReplicaAsync(string replica, int? notLauncher, bool healthy = true)
    {
        var notifications = system.App.ResourceNotifications;
        var found = (Launcher: 0, Program: 0);
        await Poll.UntilAsync(() =>
        {
            if (!notifications.TryGetCurrentState(replica, out var current) || current.Snapshot.State?.Text != KnownResourceStates.Running
                || (healthy && current.Snapshot.HealthStatus != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
                || current.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is not { } value
                || !int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture, out var launcher)
                || launcher == notLauncher || ProcessTree.Children(launcher) is not [var program])
            {
                return false;
            }

            found = (launcher, program);
            return true;
        }, $"{replica} runs under a new launcher", TimeSpan.FromMinutes(2));
        return found;
    }

    private static async Task<byte[]> DownloadAsync(HttpClient client, string id)
    {
        using var answer = await client.GetAsync(new Uri($"/api/reports/{id}/download", UriKind.Relative));
        if (answer.Headers.Location is { } location)
        {
            using var storage = new HttpClient();
            return await storage.GetByteArrayAsync(location);
        }

        return await answer.Content.ReadAsByteArrayAsync();
    }
}

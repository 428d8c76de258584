using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Catalog;
using Reports.Core.Catalog.Files;
using Reports.Core.Jobs;
using Reports.Core.Queue;
using Reports.Core.Storage;
using Reports.Tests.Engine;
using Reports.Tests.Integration;
using Reports.Worker;
using Reports.Worker.Consuming;

namespace Reports.Tests.Catalog;

/// <summary>
/// A job records the version of the definition it was accepted with; a worker whose definition changed since fails it
/// with <c>definition_changed</c> instead of making a file the caller did not ask for. Against the real servers.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class DefinitionChangedTests(Infrastructure infrastructure)
{
    private const string Queue = "test-definition-changed";

    [Fact]
    public async Task A_job_whose_definition_changed_between_accept_and_run_is_retried_then_fails_with_definition_changed_and_an_unchanged_one_runs()
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var store = new JobStore(database, TimeProvider.System);
        using var folder = TempCatalog.CopyOfBuiltIn();

        // Accepted with today's definition of orders ...
        var accepted = CatalogFiles.Load(folder.Path).Find("orders")!;
        var changing = await store.CreateAsync(
            OrdersJobs.New("definition-changed-", Queue, maxAttempts: 2) with { DefinitionVersion = accepted.Version }, CancellationToken.None);

        // ... then the file changes (a column's title) before a worker runs the job.
        folder.Write("orders.yaml", File.ReadAllText(folder.File("orders.yaml"))
            .Replace("title: Customer,", "title: Client,", StringComparison.Ordinal));
        var changed = CatalogFiles.Load(folder.Path);
        Assert.NotEqual(accepted.Version, changed.Find("orders")!.Version);
        var unchanged = await store.CreateAsync(
            OrdersJobs.New("definition-changed-", Queue) with { DefinitionVersion = changed.Find("orders")!.Version }, CancellationToken.None);

        var runner = ActivatorUtilities.CreateInstance<JobRunner>(services, store, changed, Options.Create(new WorkerOptions
        {
            Id = "definition-changed-runner", Queues = new() { [Queue] = 1 }, RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        }));
        await runner.RunAsync(new JobMessage("0-1", Queue, changing.Job.Id, null), CancellationToken.None);
        await runner.RunAsync(new JobMessage("0-2", Queue, unchanged.Job.Id, null), CancellationToken.None);

        // Another worker, on the catalog the job was accepted with, may still run it (a rolling deploy): retried ...
        var retried = (await store.GetAsync(changing.Job.Id, null, CancellationToken.None))!;
        Assert.True(retried.Status is "retrying" or "queued", // queued again once its backoff is over
            $"expected retrying, was {retried.Status} ({retried.ErrorCode}: {retried.Error})");
        Assert.Contains("changed after this job was accepted", retried.Error, StringComparison.Ordinal);

        // ... and failed for good on its last attempt.
        await Poll.UntilAsync(async () =>
        {
            await runner.RunAsync(new JobMessage("0-3", Queue, changing.Job.Id, null), CancellationToken.None);
            return (await store.GetAsync(changing.Job.Id, null, CancellationToken.None))!.Status == "failed";
        }, "the job's last attempt", TimeSpan.FromSeconds(30));
        var failed = (await store.GetAsync(changing.Job.Id, null, CancellationToken.None))!;
        Assert.True(failed.Status == "failed", $"expected failed, was {failed.Status} ({failed.ErrorCode}: {failed.Error})");
        Assert.Equal(JobError.DefinitionChanged, failed.ErrorCode);
        Assert.Contains($"version {accepted.Version}", failed.Error, StringComparison.Ordinal);
        Assert.Contains("resubmit", failed.Error, StringComparison.Ordinal);
        Assert.Equal(2, failed.Attempt);
        var succeeded = (await store.GetAsync(unchanged.Job.Id, null, CancellationToken.None))!;
        Assert.True(succeeded.Status == "succeeded", $"expected succeeded, was {succeeded.Status} ({succeeded.ErrorCode}: {succeeded.Error})");
        Assert.True(succeeded.RowsWritten > 0);
    }

    [Fact]
    public async Task The_api_records_the_version_of_the_definition_it_accepted_a_job_with()
    {
        var system = await infrastructure.SystemAsync();
        using var client = await system.CreateClientAsync();
        var catalog = system.Api.Services.GetRequiredService<ReportCatalog>();

        var created = await ReportsClient.CreateAsync(client, new { type = "orders", format = "csv", parameters = new { from = "2024-01-01", to = "2024-01-01" } });

        var job = await new JobStore(system.Api.Services.GetRequiredService<NpgsqlDataSource>(), TimeProvider.System)
            .GetAsync(Guid.Parse(created.GetProperty("id").GetString()!), null, CancellationToken.None);
        Assert.Equal(catalog.Find("orders")!.Version, job!.DefinitionVersion);
        Assert.Equal(BuiltInReports.Orders.Version, job.DefinitionVersion);
        Assert.Equal(QueueNames.Interactive, job.Queue);
    }
}

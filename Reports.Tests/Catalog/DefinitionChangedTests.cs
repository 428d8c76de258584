using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
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
    public async Task A_job_whose_definition_changed_is_handed_back_without_using_an_attempt_during_the_grace_then_fails_with_definition_changed()
    {
        var services = (await infrastructure.SystemAsync()).WorkerServices;
        await using var database = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        var store = new JobStore(database, TimeProvider.System);
        var anHourAgo = new JobStore(database, new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromHours(1)));
        using var folder = TempCatalog.CopyOfBuiltIn();

        // Accepted with today's definition of orders: one just now (a rolling deploy may be under way), one an hour ago ...
        var accepted = CatalogFiles.Load(folder.Path).Find("orders")!;
        var recent = await store.CreateAsync(
            OrdersJobs.New("definition-changed-", Queue, maxAttempts: 1) with { DefinitionVersion = accepted.Version }, CancellationToken.None);
        var old = await anHourAgo.CreateAsync(
            OrdersJobs.New("definition-changed-", Queue, maxAttempts: 3) with { DefinitionVersion = accepted.Version }, CancellationToken.None);

        // ... then the file changes (a column's title) before a worker runs them.
        folder.Write("orders.yaml", File.ReadAllText(folder.File("orders.yaml"))
            .Replace("title: Customer,", "title: Client,", StringComparison.Ordinal));
        var changed = CatalogFiles.Load(folder.Path);
        Assert.NotEqual(accepted.Version, changed.Find("orders")!.Version);
        var unchanged = await store.CreateAsync(
            OrdersJobs.New("definition-changed-", Queue) with { DefinitionVersion = changed.Find("orders")!.Version }, CancellationToken.None);

        var runner = ActivatorUtilities.CreateInstance<JobRunner>(services, store, changed, Options.Create(new WorkerOptions
        {
            Id = "definition-changed-runner", Queues = new() { [Queue] = 1 },
        }));
        await runner.RunAsync(new JobMessage("0-1", Queue, recent.Job.Id, null), new JobSlots(1), CancellationToken.None);
        await runner.RunAsync(new JobMessage("0-2", Queue, old.Job.Id, null), new JobSlots(1), CancellationToken.None);
        await runner.RunAsync(new JobMessage("0-3", Queue, unchanged.Job.Id, null), new JobSlots(1), CancellationToken.None);

        // Within the grace: handed back for a worker on the catalog it was accepted with, its one attempt unused.
        var handedBack = (await store.GetAsync(recent.Job.Id, null, CancellationToken.None))!;
        Assert.True(handedBack.Status == "retrying", $"expected retrying, was {handedBack.Status} ({handedBack.ErrorCode}: {handedBack.Error})");
        Assert.Contains("changed after this job was accepted", handedBack.Error, StringComparison.Ordinal);
        Assert.Contains("handed back until", handedBack.Error, StringComparison.Ordinal);
        Assert.Equal(handedBack.Attempt, handedBack.Released); // no attempt used

        // Past it: failed at once, saying which version and what to do.
        var failed = (await store.GetAsync(old.Job.Id, null, CancellationToken.None))!;
        Assert.True(failed.Status == "failed", $"expected failed, was {failed.Status} ({failed.ErrorCode}: {failed.Error})");
        Assert.Equal(JobError.DefinitionChanged, failed.ErrorCode);
        Assert.Contains($"version {accepted.Version}", failed.Error, StringComparison.Ordinal);
        Assert.Contains("resubmit", failed.Error, StringComparison.Ordinal);
        Assert.Equal(1, failed.Attempt);

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

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Reports.Core;
using Reports.Tests.Integration;

namespace Reports.Tests.Catalog;

/// <summary>A wrong catalog setting stops the API and the worker at start, against the real servers.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class CatalogStartTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_wrong_catalog_setting_stops_the_api_and_the_worker_at_start_naming_it()
    {
        await infrastructure.SystemAsync(); // migrated
        var apiError = await StartFailure.MessageAsync<Reports.Api.ApiMarker>(b =>
        {
            TestSettings.Apply(b, infrastructure, "catalog-start-api");
            b.UseSetting("Reports:Catalog:orders:MaxRows", "0");
        });
        var workerError = await StartFailure.MessageAsync<Reports.Worker.WorkerOptions>(b =>
        {
            TestSettings.Apply(b, infrastructure, "catalog-start-worker");
            b.UseSetting("Reports:Catalog:invoices:TimeLimit", "00:05:00");
        });

        Assert.Contains("Reports:Catalog:orders:MaxRows", apiError, StringComparison.Ordinal);
        Assert.Contains("invoices", workerError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_pool_too_small_for_a_connection_per_job_slot_stops_the_worker_at_start_naming_the_setting()
    {
        await infrastructure.SystemAsync(); // migrated
        var workerError = await StartFailure.MessageAsync<Reports.Worker.WorkerOptions>(b =>
        {
            TestSettings.Apply(b, infrastructure, "pool-room-worker");
            b.UseSetting("ConnectionStrings:sales", infrastructure.PostgresConnectionString);
            b.UseSetting("Reports:Sources:sales:MaxPoolSize", "1");
            b.UseSetting("Reports:Worker:Queues:reports", "2");
        });

        Assert.Contains("Reports:Sources:sales:MaxPoolSize", workerError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_definition_file_with_errors_stops_the_services_at_start_naming_file_line_and_field()
    {
        await infrastructure.SystemAsync();
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny.Replace(">= @from\n", ">= @from AND o.status = @status\n", StringComparison.Ordinal)));
        var workerError = await StartFailure.MessageAsync<Reports.Worker.WorkerOptions>(b =>
        {
            TestSettings.Apply(b, infrastructure, "catalog-files-worker");
            b.UseSetting("Reports:Catalog:Path", folder.Path);
        });
        // The catalog check the API and the worker share (AddReportsCore validates it on start), on a host of its own.
        var core = Host.CreateApplicationBuilder();
        core.Configuration["Reports:Catalog:Path"] = folder.Path;
        core.AddReportsCore();
        using var host = core.Build();

        var coreError = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<IOptions<Reports.Core.Catalog.CatalogCheck>>().Value);

        var expected = $"{folder.File("tiny.yaml")}:14: query.sql: @status is not a parameter of this report";
        Assert.Contains(expected, workerError, StringComparison.Ordinal);
        Assert.Contains(expected, coreError.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_processing_window_keyed_by_an_unknown_queue_or_type_stops_the_api_and_the_worker_at_start_naming_it()
    {
        await infrastructure.SystemAsync();
        var apiError = await StartFailure.MessageAsync<Reports.Api.ApiMarker>(b =>
        {
            TestSettings.Apply(b, infrastructure, "window-key-api");
            b.UseSetting("Reports:Windows:nightly", "22:00-06:00");
        });
        var workerError = await StartFailure.MessageAsync<Reports.Worker.WorkerOptions>(b =>
        {
            TestSettings.Apply(b, infrastructure, "window-key-worker");
            b.UseSetting("Reports:Windows:reports-bulk", "22:00-06:00");
            b.UseSetting("Reports:Windows:ordres", "22:00-06:00");
        });

        Assert.Contains("Reports:Windows:nightly: no queue or report type is named 'nightly'", apiError, StringComparison.Ordinal);
        Assert.Contains("Reports:Windows:ordres: no queue or report type is named 'ordres'", workerError, StringComparison.Ordinal);
        Assert.DoesNotContain("Reports:Windows:reports-bulk", workerError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_definition_its_source_refuses_stops_the_worker_at_start_and_a_source_that_cannot_be_reached_does_not()
    {
        await infrastructure.SystemAsync();
        using var wrong = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny.Replace("SELECT o.id, o.ordered_at FROM", "SELECT o.id, o.country FROM", StringComparison.Ordinal)));
        using var away = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny.Replace("source: sales", "source: away", StringComparison.Ordinal)));
        var closedPort = Reports.LocalServers.FreePort.Next(); // nothing listens there
        var error = await StartFailure.MessageAsync<Reports.Worker.WorkerOptions>(b =>
        {
            TestSettings.Apply(b, infrastructure, "catalog-describe-worker");
            b.UseSetting("Reports:Catalog:Path", wrong.Path);
        });
        await using var unreachable = new WebApplicationFactory<Reports.Worker.WorkerOptions>().WithWebHostBuilder(b =>
        {
            TestSettings.Apply(b, infrastructure, "catalog-away-worker");
            b.UseSetting("Reports:Catalog:Path", away.Path);
            b.UseSetting("Reports:Sources:away:Kind", "PostgreSql");
            b.UseSetting("ConnectionStrings:away", $"Host=127.0.0.1;Port={closedPort};Database=away;Username=away;Password=away;Timeout=2");
        });

        var started = unreachable.Services.GetRequiredService<Reports.Core.Catalog.ReportCatalog>();

        Assert.Contains(
            $"{wrong.File("tiny.yaml")}:12: columns[1].type: 'ordered_at_utc' is declared timestamp, but the query's column 2 (country) is character",
            error, StringComparison.Ordinal);
        Assert.Equal("away", started.Find("tiny")!.Source);
    }
}

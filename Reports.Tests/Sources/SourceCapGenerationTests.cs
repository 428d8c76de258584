using Microsoft.Extensions.DependencyInjection;
using Reports.Core.Catalog;
using Reports.Core.Generation;
using Reports.Core.Sources;
using Reports.Tests.Catalog;
using Reports.Tests.Generation;
using Reports.Tests.Integration;

namespace Reports.Tests.Sources;

/// <summary>The worker's generators read through the report's source: under its cap, in read-only sessions.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class SourceCapGenerationTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_report_waits_while_every_query_slot_of_its_source_is_taken_and_runs_once_one_is_given_back()
    {
        var system = await infrastructure.SystemAsync();
        var services = system.WorkerServices;
        var source = services.GetRequiredService<ReportSources>().Get(ReportDefinition.DefaultSource);
        var slots = services.GetRequiredService<SourceQuerySlots>();

        // Other workers' queries hold every slot of the source.
        var held = new List<SourceQuerySlots.Slot>();
        for (var i = 0; i < source.Options.MaxConcurrentQueries; i++)
        {
            held.Add(await slots.WaitAsync(source.Name, source.Options.MaxConcurrentQueries, TimeSpan.FromMinutes(1), CancellationToken.None));
        }

        using var queries = new SourceQueryGauges("sales");
        var progress = new RecordingProgress();
        var waits = SlotWaitTime.Begin();
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var generation = services.GetRequiredService<RowReportGenerator>()
            .GenerateAsync(GenerationRequests.For(BuiltInReports.Orders, "csv"), progress, bounded.Token);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.False(generation.IsCompleted);
        Assert.Equal(0, progress.Total); // not even the count ran
        Assert.Equal((1, 0), (queries.Waiting, queries.Running)); // the operator sees one query waiting for the source, none running

        await held[0].DisposeAsync();
        var file = await generation;
        Assert.True(file.Rows > 0);
        Assert.Equal(file.Rows, progress.Total);
        Assert.Equal((0, 0), (queries.Waiting, queries.Running)); // every query's slot given back
        Assert.True(queries.Started >= 2, $"{queries.Started} queries counted"); // the count and at least one page

        // The wait is the attempt's: a time limit that runs out says how much of it went on waiting for the source.
        Assert.True(waits.Total >= TimeSpan.FromSeconds(1), $"waited {waits.Total}");
        Assert.Contains($"for query slots of source 'sales', whose cap was reached", waits.Describe("sales"), StringComparison.Ordinal);
        Assert.Equal("", new SlotWaitTime().Describe("sales"));
        Assert.Equal(source.Options.MaxConcurrentQueries - 1, await slots.HeldAsync(source.Name, CancellationToken.None));
        foreach (var slot in held.Skip(1))
        {
            await slot.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_workers_sales_source_is_read_only_with_a_statement_timeout_and_its_own_pool()
    {
        var system = await infrastructure.SystemAsync();
        var source = system.WorkerServices.GetRequiredService<ReportSources>().Get(ReportDefinition.DefaultSource);
        Assert.NotSame(system.WorkerServices.GetRequiredService<Npgsql.NpgsqlDataSource>(), source.DataSource);
        await using var connection = await source.DataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_setting('default_transaction_read_only'), current_setting('statement_timeout')";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("on", "2min"), (reader.GetString(0), reader.GetString(1)));
    }

    [Fact]
    public async Task A_definition_whose_query_writes_is_refused_by_the_read_only_transaction_and_writes_nothing()
    {
        var system = await infrastructure.SystemAsync();
        // A data-modifying common table expression starts with WITH, as a query may: only the source's read-only
        // transaction stands between it and the data.
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny.Replace(
            "SELECT o.id, o.ordered_at FROM sales.orders AS o WHERE o.ordered_at >= @from",
            "WITH gone AS (DELETE FROM sales.orders WHERE id IN (SELECT min(id) FROM sales.orders) RETURNING id) " +
            "SELECT o.id, o.ordered_at FROM sales.orders AS o WHERE o.ordered_at >= @from AND o.id NOT IN (SELECT id FROM gone)",
            StringComparison.Ordinal)));
        var report = Reports.Core.Catalog.Files.CatalogFiles.Load(folder.Path).Find("tiny")!;
        await using var database = Npgsql.NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var count = database.CreateCommand("SELECT count(*) FROM sales.orders");
        var before = (long)(await count.ExecuteScalarAsync())!;

        var arguments = ParameterValidator.Validate(report, System.Text.Json.JsonDocument.Parse("""{"from":"2020-01-01"}""").RootElement, "csv").Arguments!;
        var id = Guid.NewGuid();
        var request = new GenerationRequest(id, report, arguments, $"{id:N}.csv", "tiny.csv", GenerationCheckpoint.Start, Attempt: 1) { Format = "csv" };

        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => system.WorkerServices.GetRequiredService<RowReportGenerator>()
            .GenerateAsync(request, new RecordingProgress(), CancellationToken.None));

        // Wrapped by the engine (the count first) PostgreSQL refuses the nesting itself; run as the definition wrote it, on
        // a report connection, the read-only transaction refuses the write.
        await using var connection = await system.WorkerServices.GetRequiredService<SourceConnections>().OpenAsync(report, CancellationToken.None);
        await using var direct = connection.CreateCommand();
        direct.CommandText = report.Keyset.Sql.Replace("@from", "'2020-01-01'::timestamptz", StringComparison.Ordinal);
        var readOnly = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => direct.ExecuteNonQueryAsync());

        Assert.Equal(Npgsql.PostgresErrorCodes.FeatureNotSupported, refused.SqlState);
        Assert.Equal(Npgsql.PostgresErrorCodes.ReadOnlySqlTransaction, readOnly.SqlState);
        Assert.Equal(before, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_report_connection_stays_read_only_even_when_its_sql_turns_the_sessions_default_off()
    {
        var system = await infrastructure.SystemAsync();
        var connections = system.WorkerServices.GetRequiredService<SourceConnections>();
        await using var connection = await connections.OpenAsync(BuiltInReports.Orders, CancellationToken.None);
        await using (var turnOff = connection.CreateCommand())
        {
            turnOff.CommandText = "SELECT set_config('default_transaction_read_only', 'off', false)";
            await turnOff.ExecuteScalarAsync();
        }

        await using var write = connection.CreateCommand();
        write.CommandText = "CREATE TABLE reports_source_write_attempt (id int)";
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => write.ExecuteNonQueryAsync());
        Assert.Equal(Npgsql.PostgresErrorCodes.ReadOnlySqlTransaction, refused.SqlState);
    }
}

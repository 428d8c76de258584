using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using MySqlConnector;
using Npgsql;
using Reports.Core.Sources;
using Reports.Tests.Catalog;
using Reports.Tests.Integration;

namespace Reports.Tests.Sources;

/// <summary>Data sources built from configuration as the services build them, against the real PostgreSQL.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class ReportSourcesTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_postgresql_source_refuses_writes_and_ends_a_statement_past_its_timeout_and_reports_its_health()
    {
        using var host = Build(("ConnectionStrings:books", infrastructure.PostgresConnectionString),
            ("Reports:Sources:books:Kind", "PostgreSql"), ("Reports:Sources:books:StatementTimeout", "00:00:01"),
            ("Reports:Sources:books:MaxConcurrentQueries", "2"));
        var source = host.Services.GetRequiredService<ReportSources>().Get("books");
        Assert.Equal((SourceKind.PostgreSql, 2), (source.Kind, source.Options.MaxConcurrentQueries));

        await using var connection = await source.DataSource.OpenConnectionAsync();
        await using (var write = connection.CreateCommand())
        {
            write.CommandText = "CREATE TABLE source_write_attempt (id int)";
            var refused = await Assert.ThrowsAsync<PostgresException>(() => write.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, refused.SqlState);
        }

        await using (var slow = connection.CreateCommand())
        {
            slow.CommandText = "SELECT pg_sleep(5)";
            var ended = await Assert.ThrowsAsync<PostgresException>(() => slow.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.QueryCanceled, ended.SqlState);

            // A job fails on it at once (the same page would time out again), naming the source and its setting.
            var timedOut = Connections(host).StatementTimedOut(BuiltInReports.Orders with { Source = "books" }, ended);
            Assert.Equal(Reports.Core.Jobs.JobError.Timeout, timedOut?.Code);
            Assert.Contains("statement timeout of source 'books' (00:00:01, Reports:Sources:books:StatementTimeout)", timedOut!.Message, StringComparison.Ordinal);
            Assert.Null(Connections(host).StatementTimedOut(BuiltInReports.Orders with { Source = "books" }, new TimeoutException()));
        }

        // Set at connection start (a startup parameter), before any statement of a report runs.
        await using (var asks = connection.CreateCommand())
        {
            asks.CommandText = "SHOW default_transaction_read_only";
            Assert.Equal("on", await asks.ExecuteScalarAsync());
        }

        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var check = Assert.Single(health.Entries, e => e.Key.Contains("books", StringComparison.Ordinal));
        Assert.Equal(HealthStatus.Healthy, check.Value.Status);

        // A definition that turns the server's timeout off for its session still meets the client's (timeout + 10 s).
        await using (var off = connection.CreateCommand())
        {
            off.CommandText = "SELECT set_config('statement_timeout', '0', false)";
            await off.ExecuteScalarAsync();
        }

        await using (var escaped = connection.CreateCommand())
        {
            escaped.CommandText = "SELECT pg_sleep(60)";
            var stopped = await Assert.ThrowsAnyAsync<Exception>(() => escaped.ExecuteNonQueryAsync());
            var timedOut = Connections(host).StatementTimedOut(BuiltInReports.Orders with { Source = "books" }, stopped);
            Assert.True(timedOut?.Code == Reports.Core.Jobs.JobError.Timeout, stopped.ToString());
        }
    }

    [Fact]
    public async Task A_mariadb_source_refuses_writes_even_for_an_account_that_may_write_ends_a_long_statement_and_reports_its_health()
    {
        var server = await infrastructure.MariaDb.ServerAsync();
        using var host = Build(("ConnectionStrings:shop", server.WriterConnectionString),
            ("Reports:Sources:shop:Kind", "MySql"), ("Reports:Sources:shop:StatementTimeout", "00:00:01"));
        var source = host.Services.GetRequiredService<ReportSources>().Get("shop");
        Assert.Equal(SourceKind.MySql, source.Kind);

        // Twice: the second connection comes back from the pool reset, and the session must be restricted again.
        for (var round = 0; round < 2; round++)
        {
            await using var connection = await source.DataSource.OpenConnectionAsync();
            await using (var write = connection.CreateCommand())
            {
                write.CommandText = "CREATE TABLE source_write_attempt (id int)";
                var refused = await Assert.ThrowsAsync<MySqlException>(() => write.ExecuteNonQueryAsync());
                Assert.Equal(MySqlErrorCode.CannotExecuteInReadOnlyTransaction, refused.ErrorCode);
            }

            await using (var slow = connection.CreateCommand())
            {
                slow.CommandText = "SELECT SUM(a.seq * b.seq) FROM seq_1_to_1000000 AS a, seq_1_to_1000000 AS b";
                var ended = await Assert.ThrowsAsync<MySqlException>(() => slow.ExecuteScalarAsync());
                Assert.Contains("max_statement_time", ended.Message, StringComparison.Ordinal);
                var timedOut = Connections(host).StatementTimedOut(
                    BuiltInReports.Orders with { Source = "shop" }, new InvalidOperationException("a page failed", ended));
                Assert.Equal(Reports.Core.Jobs.JobError.Timeout, timedOut?.Code);
            }
        }

        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, health.Entries["source-shop"].Status);
    }

    [Fact]
    public void Two_sources_have_pools_of_their_own_and_an_unknown_one_is_an_error_naming_the_settings()
    {
        using var host = Build(("ConnectionStrings:one", infrastructure.PostgresConnectionString), ("Reports:Sources:one:Kind", "PostgreSql"),
            ("ConnectionStrings:two", infrastructure.PostgresConnectionString + ";Maximum Pool Size=3"), ("Reports:Sources:two:MaxPoolSize", "7"));
        var sources = host.Services.GetRequiredService<ReportSources>();
        // Beside them the demo reports' source, on the job store's database since ConnectionStrings:sales is not given.
        Assert.Equal(["one", "sales", "two"], sources.Names.Order());
        Assert.Equal(new NpgsqlConnectionStringBuilder(infrastructure.PostgresConnectionString).Database,
            new NpgsqlConnectionStringBuilder(sources.Get("sales").DataSource.ConnectionString).Database);
        Assert.NotSame(sources.Get("one").DataSource, sources.Get("two").DataSource);
        // A pool size the connection string names wins over the setting.
        Assert.Equal(16, new NpgsqlConnectionStringBuilder(sources.Get("one").DataSource.ConnectionString).MaxPoolSize);
        Assert.Equal(3, new NpgsqlConnectionStringBuilder(sources.Get("two").DataSource.ConnectionString).MaxPoolSize);

        var missing = Assert.Throws<KeyNotFoundException>(() => sources.Get("three"));
        Assert.Contains("ConnectionStrings:three", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MaxConcurrentQueries", "0", "Reports:Sources:bad:MaxConcurrentQueries must be between 1 and 1000")]
    [InlineData("StatementTimeout", "00:00:00.5", "Reports:Sources:bad:StatementTimeout must be between")]
    [InlineData("MaxPoolSize", "5000", "Reports:Sources:bad:MaxPoolSize must be between 1 and 1000")]
    public void A_setting_out_of_range_stops_the_start_with_its_name(string setting, string value, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(
            ("ConnectionStrings:bad", infrastructure.PostgresConnectionString), ($"Reports:Sources:bad:{setting}", value)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Reports:Sources:Sales:Kind", "PostgreSql", "Reports:Sources:Sales: a source's name is lowercase")]
    [InlineData("Reports:Sources:sales:MaxConcurrentQuery", "2", "Reports:Sources:sales: ")]
    public void A_source_named_in_capitals_or_a_misspelt_setting_stops_the_start(string key, string value, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(
            ("ConnectionStrings:sales", infrastructure.PostgresConnectionString), (key, value)));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        if (key.EndsWith("Query", StringComparison.Ordinal))
        {
            Assert.Contains("MaxConcurrentQuery", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_source_that_does_not_answer_makes_the_worker_degraded_not_unhealthy_and_its_health_names_no_account()
    {
        var port = Reports.LocalServers.FreePort.Next(); // nothing listens there
        using var host = Build(("ConnectionStrings:away", $"Host=127.0.0.1;Port={port};Database=away;Username=secret_reader;Password=hunter2;Timeout=2"),
            ("Reports:Sources:away:Kind", "PostgreSql"),
            ("ConnectionStrings:gone", $"Server=127.0.0.1;Port={port};Database=gone;User ID=secret_reader;Password=hunter2;Connection Timeout=2"),
            ("Reports:Sources:gone:Kind", "MySql"));

        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Degraded, health.Status); // /health answers 200: probes pass, the source is named
        foreach (var name in (string[])["source-away", "source-gone"])
        {
            Assert.Equal(HealthStatus.Degraded, health.Entries[name].Status);
            Assert.Contains("does not answer", health.Entries[name].Description, StringComparison.Ordinal);
            Assert.DoesNotContain("secret_reader", health.Entries[name].Description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_source_without_a_connection_string_or_with_an_unknown_kind_stops_the_start()
    {
        var noConnection = Assert.Throws<InvalidOperationException>(() => Build(("Reports:Sources:lonely:Kind", "MySql")));
        Assert.Contains("set ConnectionStrings:lonely", noConnection.Message, StringComparison.Ordinal);

        var badKind = Assert.Throws<InvalidOperationException>(() => Build(
            ("ConnectionStrings:odd", infrastructure.PostgresConnectionString), ("Reports:Sources:odd:Kind", "Oracle")));
        Assert.Contains("Reports:Sources:odd", badKind.Message + badKind.InnerException?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_on_a_source_that_is_not_configured_stops_the_start_with_its_name()
    {
        await using var postgres = NpgsqlDataSource.Create(infrastructure.PostgresConnectionString);
        await using var mariadb = new MySqlDataSource("Server=127.0.0.1;Database=shop");
        var sources = new ReportSources([
            new ReportSource("sales", new SourceOptions(), postgres),
            new ReportSource("shop", new SourceOptions { Kind = SourceKind.MySql }, mariadb)]);
        var connections = new SourceConnections(sources, null, Microsoft.Extensions.Logging.Abstractions.NullLogger<SourceConnections>.Instance);
        var orders = Reports.Tests.Catalog.BuiltInReports.Orders;

        Assert.Null(connections.Problem(orders));
        Assert.Contains("reads source 'billing', which is not configured (ConnectionStrings:billing",
            connections.Problem(orders with { Source = "billing" }), StringComparison.Ordinal);
        Assert.Null(connections.Problem(orders with { Source = "shop" }));

        var catalog = new Reports.Core.Catalog.ReportCatalog([orders, orders with { Name = "orders-billing", Source = "billing" }]);
        var check = new CatalogSourcesValidation(catalog, connections).Validate(null, new CatalogSourcesCheck());
        Assert.True(check.Failed);
        Assert.Contains("'orders-billing'", check.FailureMessage, StringComparison.Ordinal);
    }

    /// <summary>The sources' connections without query slots (these hosts have no Redis).</summary>
    private static SourceConnections Connections(IHost host) =>
        new(host.Services.GetRequiredService<ReportSources>(), null, Microsoft.Extensions.Logging.Abstractions.NullLogger<SourceConnections>.Instance);

    private IHost Build(params (string Key, string Value)[] settings)
    {
        // The job store, which the demo reports' source falls back to when it is not configured.
        settings = [("ConnectionStrings:reportsdb", infrastructure.PostgresConnectionString), .. settings];
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))
            .Append(KeyValuePair.Create("Logging:LogLevel:Default", (string?)"Warning")));
        builder.AddReportSources(healthChecks: true);
        return builder.Build();
    }
}

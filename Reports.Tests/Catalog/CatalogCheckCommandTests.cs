using System.Diagnostics;
using Reports.LocalServers;
using Reports.Tests.Integration;

namespace Reports.Tests.Catalog;

/// <summary>
/// <c>Reports.Worker catalog check [PATH]</c> (what <c>./reports catalog check</c> runs), as a real process: exit 0 clean,
/// 1 with errors (file:line: field: message), 2 usage; with a database, each query is described there and its columns
/// compared with the file's.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class CatalogCheckCommandTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task The_built_in_catalog_and_the_readmes_example_are_clean_on_the_database_and_a_usage_error_exits_2()
    {
        await infrastructure.SystemAsync(); // migrated and seeded
        using var folder = TempCatalog.CopyOfBuiltIn();
        folder.Write("refunds.yaml", ReadmeExample());
        var clean = await CheckAsync(["catalog", "check", folder.Path], infrastructure.PostgresConnectionString);
        var usage = await CheckAsync(["catalog", "verify"], connectionString: null);

        Assert.True(clean.ExitCode == 0, clean.Output);
        Assert.Contains("4 report(s), 0 error(s), 4 of them described on their sources.", clean.Output, StringComparison.Ordinal);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("usage: Reports.Worker catalog check [PATH]", usage.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_sales_database_the_queries_are_described_there_rather_than_on_the_job_store()
    {
        await infrastructure.SystemAsync(); // the collection's database holds the demo dataset
        var jobStoreWithoutDataset = await infrastructure.CreateEmptyDatabaseAsync("catalog_jobs");
        using var folder = TempCatalog.CopyOfBuiltIn();

        var result = await CheckAsync(["catalog", "check", folder.Path], jobStoreWithoutDataset,
            new Dictionary<string, string?> { ["ConnectionStrings__sales"] = infrastructure.PostgresConnectionString });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("3 report(s), 0 error(s), 3 of them described on their sources.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reports_script_answers_a_wrong_catalog_verb_with_its_usage_and_exit_code_2()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[Path.Combine(ToolPaths.RepositoryRoot, "reports"), "catalog", "check", "a", "b"])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var error = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("usage: ./reports catalog check [PATH]", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_with_errors_exits_1_naming_file_line_and_field()
    {
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny.Replace("column: order_id }", "column: id }", StringComparison.Ordinal)));

        var result = await CheckAsync(["catalog", "check", folder.Path], connectionString: null);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{folder.File("tiny.yaml")}:18: query.keys[1].column: 'id' is not among the columns", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_column_whose_type_differs_from_what_the_query_returns_is_an_error_found_by_describing_the_query()
    {
        await infrastructure.SystemAsync();
        using var folder = TempCatalog.Create(
            ("tiny.yaml", TempCatalog.Tiny.Replace("SELECT o.id, o.ordered_at FROM", "SELECT o.id, o.country FROM", StringComparison.Ordinal)),
            ("wide.yaml", TempCatalog.Tiny.Replace("name: tiny", "name: wide", StringComparison.Ordinal)
                .Replace("SELECT o.id, o.ordered_at FROM", "SELECT o.id, o.ordered_at, o.amount FROM", StringComparison.Ordinal)));
        await using var counter = new Npgsql.NpgsqlConnection(infrastructure.PostgresConnectionString);
        await counter.OpenAsync();
        var ordersBefore = await CountOrdersAsync(counter);

        var result = await CheckAsync(["catalog", "check", folder.Path], infrastructure.PostgresConnectionString);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(
            $"{folder.File("tiny.yaml")}:12: columns[1].type: 'ordered_at_utc' is declared timestamp, but the query's column 2 (country) is character",
            result.Output, StringComparison.Ordinal);
        Assert.Contains($"{folder.File("wide.yaml")}:14: query.sql: returns 3 columns (id bigint, ordered_at timestamp with time zone, amount numeric); the file declares 2.",
            result.Output, StringComparison.Ordinal);
        Assert.Equal(ordersBefore, await CountOrdersAsync(counter));
    }

    [Fact]
    public async Task The_mariadb_definitions_are_described_on_mariadb_and_a_column_of_another_type_there_is_an_error()
    {
        var system = await infrastructure.SystemAsync(); // MariaDB holds the dataset's copy
        var mariaDb = system.SalesMariaDb;
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__sales-mariadb"] = mariaDb["ConnectionStrings:sales-mariadb"],
            ["Reports__Sources__sales-mariadb__Kind"] = "MySql",
        };
        using var folder = TempCatalog.Create(("orders.yaml", File.ReadAllText(Path.Combine(ToolPaths.RepositoryRoot, "catalog", "mariadb", "orders.yaml"))
            .Replace("SELECT o.id, o.ordered_at, c.name", "SELECT o.id, o.country, c.name", StringComparison.Ordinal)));

        var clean = await CheckAsync(["catalog", "check", TestSettings.CatalogWithMariaDb], infrastructure.PostgresConnectionString, environment);
        var wrong = await CheckAsync(["catalog", "check", folder.Path], connectionString: null, environment);

        Assert.True(clean.ExitCode == 0, clean.Output);
        Assert.Contains("6 report(s), 0 error(s), 6 of them described on their sources.", clean.Output, StringComparison.Ordinal);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains($"{folder.File("orders.yaml")}:", wrong.Output, StringComparison.Ordinal);
        Assert.True(wrong.Output.Contains("columns[1].type: 'ordered_at_utc' is declared timestamp, but the query's column 2 (country) is char", StringComparison.Ordinal), wrong.Output);
    }

    [Fact]
    public async Task The_statements_built_from_keys_totals_and_existence_checks_are_described_too_each_error_naming_its_field()
    {
        await infrastructure.SystemAsync();
        var keys = TempCatalog.Tiny.Replace("name: tiny", "name: tiny-keys", StringComparison.Ordinal)
            .Replace("{ expression: o.ordered_at,", "{ expression: o.ordered,", StringComparison.Ordinal);
        var totals = TempCatalog.Tiny.Replace("name: tiny", "name: tiny-totals", StringComparison.Ordinal)
            + "\ntotals:\n  columns:\n    order_id: sum(nothing_here)\n";
        var exists = TempCatalog.Tiny.Replace("name: tiny", "name: tiny-exists", StringComparison.Ordinal)
            .Replace("columns:\n", """
                  - name: customer
                    type: integer
                    must_exist: { sql: "SELECT EXISTS (SELECT 1 FROM sales.no_such_table WHERE id = @value)", what: customer }
                columns:

                """, StringComparison.Ordinal)
            .Replace(">= @from\n", ">= @from AND o.customer_id = @customer\n", StringComparison.Ordinal);
        using var folder = TempCatalog.Create(("tiny-keys.yaml", keys), ("tiny-totals.yaml", totals), ("tiny-exists.yaml", exists));

        var result = await CheckAsync(["catalog", "check", folder.Path], infrastructure.PostgresConnectionString);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{folder.File("tiny-keys.yaml")}:{LineOf(keys, "o.ordered,")}: query.keys: the statement built from it does not prepare on source 'sales': 42703",
            result.Output, StringComparison.Ordinal);
        Assert.Contains($"{folder.File("tiny-totals.yaml")}:{LineOf(totals, "totals:") + 1}: totals: the statement built from it does not prepare on source 'sales': 42703",
            result.Output, StringComparison.Ordinal);
        Assert.Contains($"{folder.File("tiny-exists.yaml")}:{LineOf(exists, "- name: customer")}: parameters[1].must_exist: the statement built from it does not prepare on source 'sales': 42P01",
            result.Output, StringComparison.Ordinal);
        Assert.Contains("3 report(s), 3 error(s), 3 of them described on their sources.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_mariadb_reports_totals_are_described_on_mariadb_and_an_unknown_column_there_is_an_error_naming_totals()
    {
        var system = await infrastructure.SystemAsync();
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__sales-mariadb"] = system.SalesMariaDb["ConnectionStrings:sales-mariadb"],
            ["Reports__Sources__sales-mariadb__Kind"] = "MySql",
        };
        var text = File.ReadAllText(Path.Combine(ToolPaths.RepositoryRoot, "catalog", "mariadb", "daily-sales.yaml"));
        var broken = text.Replace("items: sum(items)", "items: sum(no_items)", StringComparison.Ordinal);
        Assert.NotEqual(text, broken);
        using var folder = TempCatalog.Create(("daily-sales.yaml", broken));

        var result = await CheckAsync(["catalog", "check", folder.Path], connectionString: null, environment);

        Assert.Equal(1, result.ExitCode);
        Assert.True(result.Output.Contains($"{folder.File("daily-sales.yaml")}:{LineOf(broken, "totals:") + 1}: totals: the statement built from it does not prepare on source 'sales-mariadb'",
            StringComparison.Ordinal), result.Output);
    }

    [Fact]
    public async Task On_mariadb_the_statements_are_prepared_never_run()
    {
        var system = await infrastructure.SystemAsync();
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__sales-mariadb"] = system.SalesMariaDb["ConnectionStrings:sales-mariadb"],
            ["Reports__Sources__sales-mariadb__Kind"] = "MySql",
        };
        // Run, this total would sleep a minute, past the check's 30 s statement timeout, and be reported as an error.
        var text = File.ReadAllText(Path.Combine(ToolPaths.RepositoryRoot, "catalog", "mariadb", "daily-sales.yaml"));
        var sleepy = text.Replace("items: sum(items)", "items: sum(items) + SLEEP(60)", StringComparison.Ordinal);
        Assert.NotEqual(text, sleepy);
        using var folder = TempCatalog.Create(("daily-sales.yaml", sleepy));

        var result = await CheckAsync(["catalog", "check", folder.Path], connectionString: null, environment);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("1 report(s), 0 error(s), 1 of them described on their sources.", result.Output, StringComparison.Ordinal);
    }

    /// <summary>The 1-based line of the first line holding <paramref name="text"/>.</summary>
    private static int LineOf(string file, string text) =>
        file.Split('\n').Select((line, i) => (line, i)).First(l => l.line.Contains(text, StringComparison.Ordinal)).i + 1;

    private static async Task<long> CountOrdersAsync(Npgsql.NpgsqlConnection connection)
    {
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM sales.orders", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>The complete definition file README.md shows in "Add your own report".</summary>
    private static string ReadmeExample()
    {
        var readme = File.ReadAllText(Path.Combine(ToolPaths.RepositoryRoot, "README.md"));
        var start = readme.IndexOf("```yaml\nname: refunds", StringComparison.Ordinal) + "```yaml\n".Length;
        return readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
    }

    private static Task<(int ExitCode, string Output)> CheckAsync(
        string[] arguments, string? connectionString, IReadOnlyDictionary<string, string?>? environment = null) =>
        WorkerCommand.RunAsync(arguments, new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>())
        {
            ["ConnectionStrings__reportsdb"] = connectionString,
        });
}

using Reports.Core.Catalog;
using Reports.Core.Catalog.Files;

namespace Reports.Tests.Catalog;

/// <summary>Definition files: each kind of error names file, line and field; a folder's errors come together.</summary>
public sealed class CatalogFilesTests
{
    [Theory]
    [InlineData("source: sales\n", "source: sales\ncolour: blue\n", 5, "colour", "is not a field here")]
    [InlineData("title: Tiny\n", "", 1, "title", "is required")]
    [InlineData("required: true", "required: often", 8, "parameters[0].required", "must be true or false; it is 'often'")]
    [InlineData("type: integer }", "type: integer, width: wide }", 11, "columns[0].width", "must be a number above 0; it is 'wide'")]
    [InlineData(">= @from\n", ">= @from AND o.status = @status\n", 14, "query.sql", "@status is not a parameter of this report")]
    [InlineData("    bind: start_of_day\n", "    bind: start_of_day\n  - { name: country, type: text }\n", 10, "parameters[1]", "@country is not used in the SQL")]
    [InlineData("column: order_id }", "column: id }", 18, "query.keys[1].column", "'id' is not among the columns")]
    [InlineData(">= @from\n", ">= @from; DELETE FROM sales.orders\n", 14, "query.sql", "holds ';': one statement")]
    [InlineData(">= @from\n", ">= @from --1; COMMIT\n", 14, "query.sql", "no ';' anywhere, not even in a literal or a comment")]
    [InlineData("    SELECT o.id", "    SET STATEMENT max_statement_time=0 FOR SELECT o.id", 14, "query.sql", "must start with SELECT or WITH")]
    [InlineData("bind: start_of_day", "bind: start_of_week", 9, "parameters[0].bind", "must be one of start_of_day, start_of_next_day")]
    [InlineData("    bind: start_of_day\n", "    bind: start_of_day\n    pattern: \"[A-Z\"\n", 10, "parameters[0].pattern", "is not a valid regular expression")]
    [InlineData("source: sales", "source: Billing_DB", 4, "source", "must be a data source's name")]
    [InlineData("expression: o.id,", "expression: o.id) ORDER BY o.id LIMIT 1 UNION SELECT 1 WHERE (1,", 18, "query.keys[1].expression", "must be a column reference")]
    [InlineData("expression: o.id,", "expression: lower(o.id),", 18, "query.keys[1].expression", "must be a column reference")]
    [InlineData("query:\n", "chart: { title: T, time_column: ordered_at_utc, value_column: order_id }\nquery:\n", 13, "chart.time_column", "'ordered_at_utc' must be a date")]
    [InlineData("type: timestamp", "type: datetime", 12, "columns[1].type", "must be one of text, integer, decimal, date, timestamp")]
    [InlineData("    type: date\n", "    type: text\n", 9, "parameters[0].bind", "applies to date parameters only")]
    [InlineData("    required: true\n", "    default: 2024-02-30\n", 6, "parameters[0].default", "'2024-02-30' is not a valid value")]
    public void Each_kind_of_error_names_the_file_the_line_and_the_field(string find, string replace, int line, string field, string message)
    {
        Assert.Contains(find, TempCatalog.Tiny, StringComparison.Ordinal);
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny.Replace(find, replace, StringComparison.Ordinal)));

        var (entries, errors) = CatalogFiles.Read(folder.Path);

        Assert.Empty(entries);
        var error = Assert.Single(errors);
        Assert.StartsWith($"{folder.File("tiny.yaml")}:{line}: {field}: ", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("page_size")]
    [InlineData("key_0")]
    [InlineData("fractions")]
    [InlineData("partition_from")]
    [InlineData("partition_to")]
    public void A_parameter_bound_under_a_name_the_engine_binds_itself_is_refused(string name)
    {
        // The engine binds these to the page, the cursor and a partition's cut: a parameter of the same name would be
        // bound twice, and a partition could read the wrong rows without an error.
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny
            .Replace("    bind: start_of_day\n", $"    bind: start_of_day\n    sql_name: {name}\n", StringComparison.Ordinal)
            .Replace(">= @from\n", $">= @{name}\n", StringComparison.Ordinal)));

        var (entries, errors) = CatalogFiles.Read(folder.Path);

        Assert.Empty(entries);
        Assert.Contains($"@{name} is a name the engine uses itself", Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("title: Tiny\n", "title: &t Tiny\n", "&t is an anchor")]
    [InlineData("description: A report for tests.\n", "description: *t\n", "*t is an alias")]
    public void Anchors_and_aliases_are_refused_with_their_line(string find, string replace, string message)
    {
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny.Replace(find, replace, StringComparison.Ordinal)));

        var error = Assert.Single(CatalogFiles.Read(folder.Path).Errors);

        Assert.Equal("file", error.Field);
        Assert.InRange(error.Line, 2, 3);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_pipe_or_a_dangling_link_in_the_folder_is_an_error_naming_it_never_a_hang_or_a_crash()
    {
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny));
        File.CreateSymbolicLink(folder.File("dangling.yaml"), folder.File("nowhere.yaml"));
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [folder.File("pipe.yaml")]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var read = Task.Run(() => CatalogFiles.Read(folder.Path));
        var (entries, errors) = await read.WaitAsync(TimeSpan.FromMinutes(1)); // a bound for a hang, not a measure of speed

        Assert.Equal("tiny", Assert.Single(entries).Definition.Name);
        Assert.Contains(errors, e => e.ToString().StartsWith($"{folder.File("dangling.yaml")}:0: file: cannot be read", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.ToString() == $"{folder.File("pipe.yaml")}:0: file: is empty (or not a regular file).");
    }

    [Fact]
    public void A_list_parameter_cannot_carry_an_existence_check()
    {
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny
            .Replace("    bind: start_of_day\n", "    bind: start_of_day\n  - name: countries\n    type: text_list\n" +
                "    must_exist: { sql: \"SELECT EXISTS (SELECT 1 FROM sales.orders WHERE country = @value)\", what: country }\n", StringComparison.Ordinal)
            .Replace(">= @from\n", ">= @from AND o.country = ANY(@countries)\n", StringComparison.Ordinal)));

        var (entries, errors) = CatalogFiles.Read(folder.Path);

        Assert.Empty(entries);
        var error = Assert.Single(errors);
        Assert.Equal($"{folder.File("tiny.yaml")}:12: parameters[1].must_exist: applies to single values only; this one is a text_list.", error.ToString());
    }

    [Fact]
    public void A_file_nested_too_deep_or_not_utf8_is_an_error_not_a_crash()
    {
        var deep = TempCatalog.Tiny + "\noutput: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        using var folder = TempCatalog.Create(("deep.yaml", deep), ("latin1.yaml", "x"));
        // A Latin-1 é (0xE9) in a comment, as an editor in another encoding would save it.
        File.WriteAllBytes(folder.File("latin1.yaml"),
            [.. System.Text.Encoding.UTF8.GetBytes(TempCatalog.Tiny.Replace("name: tiny", "name: other", StringComparison.Ordinal) + "# caf"), 0xE9, (byte)'\n']);

        var errors = CatalogFiles.Read(folder.Path).Errors;

        Assert.Contains(errors, e => e.File == folder.File("deep.yaml") && e.Message.Contains($"nests deeper than {CatalogFiles.MaxDepth} levels", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.File == folder.File("latin1.yaml") && e.Message.Contains("is not UTF-8 text", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_that_is_not_yaml_names_the_line_of_the_syntax_error()
    {
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny.Replace("title: Tiny", "title: [Tiny", StringComparison.Ordinal)));

        var error = Assert.Single(CatalogFiles.Read(folder.Path).Errors);

        Assert.Equal("file", error.Field);
        Assert.Contains("is not valid YAML", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Line, 2, 4);
    }

    [Fact]
    public void Every_error_of_every_file_is_reported_at_once_and_the_catalog_refuses_to_load()
    {
        using var folder = TempCatalog.Create(
            ("a.yaml", TempCatalog.Tiny.Replace("title: Tiny\n", "", StringComparison.Ordinal).Replace("type: integer", "type: int", StringComparison.Ordinal)),
            ("b.yaml", TempCatalog.Tiny.Replace("name: tiny", "name: other", StringComparison.Ordinal).Replace("column: order_id }", "column: id }", StringComparison.Ordinal)));

        var error = Assert.Throws<CatalogFilesException>(() => CatalogFiles.Load(folder.Path));

        Assert.Equal(
            [$"{folder.File("a.yaml")}:1: title", $"{folder.File("a.yaml")}:10: columns[0].type", $"{folder.File("b.yaml")}:18: query.keys[1].column"],
            error.Errors.Select(e => $"{e.File}:{e.Line}: {e.Field}"));
        Assert.Contains($"{folder.File("b.yaml")}:18: query.keys[1].column: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_report_name_defined_twice_names_both_files()
    {
        using var folder = TempCatalog.Create(("a.yaml", TempCatalog.Tiny), ("b.yaml", TempCatalog.Tiny));

        var error = Assert.Single(CatalogFiles.Read(folder.Path).Errors);

        Assert.Equal($"{folder.File("b.yaml")}:1: name: 'tiny' is defined in {folder.File("a.yaml")} already.", error.ToString());
    }

    [Fact]
    public void A_json_file_is_a_definition_too()
    {
        using var folder = TempCatalog.Create(("tiny.json", """
            {
              "name": "tiny", "title": "Tiny", "description": "A report for tests.", "source": "sales",
              "parameters": [{ "name": "from", "type": "date", "required": true, "bind": "start_of_day" }],
              "columns": [{ "name": "order_id", "title": "Order", "type": "integer" }],
              "query": {
                "sql": "SELECT o.id FROM sales.orders AS o WHERE o.ordered_at >= @from",
                "keys": [{ "expression": "o.id", "column": "order_id" }],
                "colour": "blue"
              }
            }
            """));

        var error = Assert.Single(CatalogFiles.Read(folder.Path).Errors);
        Assert.Equal($"{folder.File("tiny.json")}:8: query.colour", $"{error.File}:{error.Line}: {error.Field}");

        folder.Write("tiny.json", File.ReadAllText(folder.File("tiny.json")).Replace(",\n    \"colour\": \"blue\"", "", StringComparison.Ordinal));
        var report = CatalogFiles.Load(folder.Path).Find("tiny")!;
        Assert.Equal([0], report.Keyset.KeyColumns);
        Assert.Equal(ReportDefinition.DefaultSource, report.Source);
    }

    [Fact]
    public void Binds_turn_days_into_utc_instants_and_sql_names_rename_parameters_as_the_code_definitions_did()
    {
        var orders = BuiltInReports.Orders;
        var arguments = ParameterValidator.Validate(orders, System.Text.Json.JsonDocument.Parse(
            """{"from":"2024-01-01","to":"2024-01-31","minAmount":12.5}""").RootElement).Arguments!;

        var bound = orders.Bind(arguments);

        Assert.Equal(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), bound["from"]);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)bound["to"]!).Kind);
        Assert.Equal(new DateTime(2024, 2, 1, 0, 0, 0, DateTimeKind.Utc), bound["to"]);
        Assert.Equal(12.5m, bound["min_amount"]);
        Assert.Null(bound["countries"]);
        Assert.Null(bound["status"]);
        Assert.Equal(["from", "to", "countries", "status", "min_amount"], bound.Keys);
    }

    [Fact]
    public void The_version_changes_with_any_value_and_not_with_comments_or_layout()
    {
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny));
        var version = CatalogFiles.Load(folder.Path).Find("tiny")!.Version;

        folder.Write("tiny.yaml", "# a comment\n" + TempCatalog.Tiny.Replace("source: sales", "source:   \"sales\"", StringComparison.Ordinal));
        Assert.Equal(version, CatalogFiles.Load(folder.Path).Find("tiny")!.Version);

        folder.Write("tiny.yaml", TempCatalog.Tiny.Replace("title: Date", "title: Day", StringComparison.Ordinal));
        var changed = CatalogFiles.Load(folder.Path).Find("tiny")!.Version;
        Assert.NotEqual(version, changed);
        Assert.Matches("^[0-9a-f]{16}$", changed);
    }

    [Fact]
    public void The_built_in_reports_keep_what_their_code_definitions_said()
    {
        var orders = BuiltInReports.Orders;
        Assert.Equal(OutputParameters.Landscape, orders.Parameters.Single(p => p.Name == OutputParameters.Orientation).Default);
        Assert.NotNull(orders.Keyset.PageJoin);
        Assert.Equal([1, 0], orders.Keyset.KeyColumns);
        Assert.Equal("currency", orders.Totals!.GroupBy);
        Assert.Equal(Reports.Core.Queue.QueueNames.Bulk, BuiltInReports.DailySales.Queue);
        Assert.Equal("revenue_eur", BuiltInReports.DailySales.Chart!.ValueColumn);
        Assert.Equal(5 * 366, BuiltInReports.DailySales.MaxDateSpanDays);
        Assert.Equal(TimeSpan.FromMinutes(5), BuiltInReports.CustomerStatement.Limits.TimeLimit);
        Assert.Equal("customer", BuiltInReports.CustomerStatement.Parameters[0].MustExist!.What);
        Assert.Equal(ColumnAlignment.Right, BuiltInReports.CustomerStatement.Column("balance").Alignment);
    }
}

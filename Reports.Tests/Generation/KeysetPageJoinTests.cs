using Reports.Tests.Catalog;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Reports.Core.Catalog;
using Reports.Core.Generation;
using Reports.Core.Sources.Dialects;
using Reports.Tests.Integration;

namespace Reports.Tests.Generation;

/// <summary>A report read in deferred-join pages gives exactly the rows of its whole query, in key order.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class KeysetPageJoinTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task Orders_paged_by_their_driving_table_then_joined_are_the_rows_of_the_whole_query()
    {
        var system = await infrastructure.SystemAsync();
        var dataSource = system.WorkerServices.GetRequiredService<NpgsqlDataSource>();
        var report = BuiltInReports.Orders;
        Assert.NotNull(report.Keyset.PageJoin);
        var arguments = GenerationRequests.For(report, "csv").Arguments;
        await using var connection = await dataSource.OpenConnectionAsync();

        var paged = new List<string>();
        var reader = new KeysetReader(report, arguments, pageSize: 700, PostgresDialect.Instance);
        var cursor = new KeysetCursor(report);
        int pageRows;
        do
        {
            await using var page = await reader.OpenPageAsync(connection, cursor, CancellationToken.None);
            pageRows = 0;
            while (await page.ReadAsync(CancellationToken.None))
            {
                paged.Add(Row(page.Row));
                pageRows++;
            }
        }
        while (pageRows == 700);

        var whole = new List<string>();
        await using (var command = new NpgsqlCommand($"{report.Keyset.Sql}\nORDER BY {string.Join(", ", report.Keyset.KeyExpressions)}", connection))
        {
            foreach (var (name, value) in report.Bind(arguments))
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            await using var rows = await command.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                whole.Add(Row(rows));
            }
        }

        Assert.True(whole.Count > 2 * 700, $"the test needs several pages, got {whole.Count} rows");
        Assert.Equal(whole, paged);
        Assert.Equal(whole.Count, await reader.CountAsync(connection, CancellationToken.None));
    }

    private static string Row(System.Data.Common.DbDataReader row) =>
        string.Join("|", Enumerable.Range(0, row.FieldCount).Select(i => Convert.ToString(row.GetValue(i), CultureInfo.InvariantCulture)));
}

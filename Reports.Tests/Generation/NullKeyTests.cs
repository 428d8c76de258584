using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Reports.Core.Catalog;
using Reports.Core.Catalog.Files;
using Reports.Core.Generation;
using Reports.Core.Generation.Pdf;
using Reports.Core.Jobs;
using Reports.Tests.Catalog;
using Reports.Tests.Integration;

namespace Reports.Tests.Generation;

/// <summary>
/// A key column that is NULL in some row cannot be paged past (a comparison with NULL is never true): the report fails
/// naming the column, in every format, instead of succeeding without the rows after it: on MariaDB, where NULLs sort
/// first, when the first page meets them; on PostgreSQL, which sorts them last, past the keyset's reach, when fewer rows
/// were read than counted and a query after the last page finds them.
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class NullKeyTests(Infrastructure infrastructure)
{
    [Theory]
    [InlineData("sales-mariadb", "csv")]
    [InlineData("sales-mariadb", "pdf")]
    [InlineData("sales", "csv")]
    [InlineData("sales", "xlsx")]
    public async Task A_row_whose_key_is_null_fails_the_report_naming_the_key_column(string source, string format)
    {
        var system = await infrastructure.SystemAsync();
        // One order in a thousand has no time: MariaDB sorts such rows first (the first page meets them), PostgreSQL
        // last, past the keyset's reach (fewer rows read than counted, and the check after the last page finds them).
        const string Nullable = "SELECT o.id, CASE WHEN o.id % 1000 = 999 THEN NULL ELSE o.ordered_at END AS ordered_at FROM sales.orders AS o";
        var table = source == "sales" ? "sales.orders" : "orders";
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny
            .Replace("source: sales", $"source: {source}", StringComparison.Ordinal)
            .Replace("SELECT o.id, o.ordered_at FROM sales.orders AS o WHERE o.ordered_at >= @from",
                $"SELECT s.id, s.ordered_at FROM ({Nullable.Replace("sales.orders", table, StringComparison.Ordinal)} WHERE o.ordered_at >= @from) AS s WHERE TRUE",
                StringComparison.Ordinal)
            .Replace("expression: o.ordered_at,", "expression: s.ordered_at,", StringComparison.Ordinal)
            .Replace("expression: o.id,", "expression: s.id,", StringComparison.Ordinal)));
        var report = CatalogFiles.Load(folder.Path).Find("tiny")!;
        var arguments = ParameterValidator.Validate(report, JsonDocument.Parse("""{"from":"2020-01-01"}""").RootElement, format).Arguments!;
        var id = Guid.NewGuid();
        var request = new GenerationRequest(id, report, arguments, $"{id:N}.{format}", $"tiny.{format}", GenerationCheckpoint.Start, Attempt: 1) { Format = format, CreatedAt = DateTimeOffset.UtcNow };

        var services = system.WorkerServices;
        var failure = await Assert.ThrowsAsync<ReportDefinitionException>(() => format switch
        {
            "pdf" => services.GetRequiredService<PdfReportGenerator>().GenerateAsync(request, new RecordingProgress(), CancellationToken.None),
            "xlsx" => services.GetRequiredService<Reports.Core.Generation.Xlsx.XlsxReportGenerator>().GenerateAsync(request, new RecordingProgress(), CancellationToken.None),
            _ => services.GetRequiredService<RowReportGenerator>().GenerateAsync(request, new RecordingProgress(), CancellationToken.None),
        });

        Assert.Equal(JobError.InvalidReport, failure.Code);
        Assert.Contains("no value (NULL) in its key column 'ordered_at_utc'", failure.Message, StringComparison.Ordinal);
    }
}

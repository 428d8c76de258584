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
/// naming the column, in every format, instead of succeeding without the rows after it. On MariaDB, where NULLs sort
/// first, so the first page meets them (PostgreSQL sorts them last, past the keyset's reach: the README says so).
/// </summary>
[Collection(IntegrationGroup.Name)]
public sealed class NullKeyTests(Infrastructure infrastructure)
{
    [Theory]
    [InlineData("csv")]
    [InlineData("pdf")]
    public async Task A_row_whose_key_is_null_fails_the_report_naming_the_key_column(string format)
    {
        var system = await infrastructure.SystemAsync();
        const string NullableKey = "CASE WHEN o.id % 1000 = 999 THEN NULL ELSE o.ordered_at END";
        using var folder = TempCatalog.Create(("tiny.yaml", TempCatalog.Tiny
            .Replace("source: sales", "source: sales-mariadb", StringComparison.Ordinal)
            .Replace("SELECT o.id, o.ordered_at FROM", $"SELECT o.id, {NullableKey} FROM", StringComparison.Ordinal)
            .Replace("expression: o.ordered_at,", $"expression: \"{NullableKey}\",", StringComparison.Ordinal)));
        var report = CatalogFiles.Load(folder.Path).Find("tiny")!;
        var arguments = ParameterValidator.Validate(report, JsonDocument.Parse("""{"from":"2020-01-01"}""").RootElement, format).Arguments!;
        var id = Guid.NewGuid();
        var request = new GenerationRequest(id, report, arguments, $"{id:N}.{format}", $"tiny.{format}", GenerationCheckpoint.Start, Attempt: 1) { Format = format };

        var services = system.WorkerServices;
        var failure = await Assert.ThrowsAsync<ReportDefinitionException>(() => format == "pdf"
            ? services.GetRequiredService<PdfReportGenerator>().GenerateAsync(request, new RecordingProgress(), CancellationToken.None)
            : services.GetRequiredService<RowReportGenerator>().GenerateAsync(request, new RecordingProgress(), CancellationToken.None));

        Assert.Equal(JobError.InvalidReport, failure.Code);
        Assert.Contains("no value (NULL) in its key column 'ordered_at_utc'", failure.Message, StringComparison.Ordinal);
    }
}

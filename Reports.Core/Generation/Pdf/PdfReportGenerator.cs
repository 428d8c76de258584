using System.Globalization;
using Microsoft.Extensions.Options;
using Reports.Core.Catalog;
using Reports.Core.Sources;
using Reports.Core.Jobs;
using SkiaSharp;

namespace Reports.Core.Generation.Pdf;

/// <summary>
/// Produces a PDF report: counts and totals the rows first (so <c>Page N of M</c> is known and a report over its limits
/// fails before drawing), then reads keyset pages and draws them page by page into a temporary file (in parts of a few
/// hundred pages, <see cref="PdfPartsDocument"/>), and uploads that file in blocks while it grows. A PDF cannot be
/// resumed halfway, so every attempt starts from its first page.
/// </summary>
public sealed class PdfReportGenerator(
    SourceConnections sources, IReportFiles files, BlockBuffers buffers, PdfFont font, IOptions<GenerationOptions> options, IOptions<PdfOptions> pdf,
    TimeProvider time)
{
    public const string ContentType = "application/pdf";

    public async Task<ReportFile> GenerateAsync(GenerationRequest request, IJobProgress progress, CancellationToken cancellationToken)
    {
        var report = request.Report;
        var arguments = request.Arguments;
        var bound = report.Bind(arguments);
        var dialect = sources.Dialect(report);
        await using var connection = await sources.OpenAsync(report, cancellationToken);

        var totals = await sources.UnderSlotAsync(report, () => PdfQueries.TotalsAsync(connection, dialect, report, bound, cancellationToken), cancellationToken);
        await progress.ReportTotalAsync(totals.Rows, cancellationToken);
        GenerationLimits.CheckRows(report, totals.Rows);
        var subject = await sources.UnderSlotAsync(report, () => PdfQueries.SubjectAsync(connection, dialect, report, bound, cancellationToken), cancellationToken);
        var page = PdfPageSize.For(arguments.Get<string>(OutputParameters.PageSize), arguments.Get<string>(OutputParameters.Orientation));
        var layout = new PdfLayout(page, subject is not null, report.Chart is not null, totals.Cells.Count);
        var pages = layout.PageCount(totals.Rows);
        if (pages > report.Limits.MaxPdfPages)
        {
            throw new ReportDefinitionException(string.Create(CultureInfo.InvariantCulture,
                $"This '{report.Name}' PDF would have {pages:#,##0} pages ({totals.Rows:#,##0} rows); the limit is {report.Limits.MaxPdfPages:#,##0}. Narrow the parameters or choose CSV."), JobError.LimitExceeded);
        }

        var chart = await sources.UnderSlotAsync(report, () => PdfQueries.ChartAsync(connection, dialect, report, bound, cancellationToken), cancellationToken);
        var generatedAt = time.GetUtcNow();
        var heading = new PdfHeading(
            report.Title,
            subject,
            "Parameters: " + DescribeParameters(report, arguments),
            string.Create(CultureInfo.InvariantCulture, $"Generated {generatedAt:yyyy-MM-dd HH:mm} UTC · {page.Name} · {totals.Rows:#,##0} row{(totals.Rows == 1 ? "" : "s")} · {pages:#,##0} page{(pages == 1 ? "" : "s")}"));

        await using var file = TemporaryFiles.Create("report");
        await using var upload = new GrowingFileUpload(
            files, buffers, request.BlobName, request.Attempt, file.SafeFileHandle, options.Value.BlockSizeBytes, cancellationToken);
        using (var document = new PdfPartsDocument(file, pdf.Value.PagesPerPart, Metadata(report, subject, generatedAt)))
        using (var writer = new PdfTableWriter(document, layout, font, report, heading, pages, chart))
        {
            await WholeReportPages.ReadAsync(connection, dialect, request, options.Value.PageSize, totals.Rows, sequential: false, progress,
                (row, _) => writer.WriteRow(row), () => upload.Advance(document.Flushed), token => sources.QuerySlotAsync(report, leaveOneFree: false, token), cancellationToken);
            writer.WriteTotals(totals);
            writer.Finish();
            if (writer.Pages != pages)
            {
                throw new InvalidOperationException($"The layout promised {pages} pages and drew {writer.Pages}.");
            }

            document.Close();
        }

        var uploaded = await upload.CompleteAsync(file.Length);
        await files.CommitAsync(request.BlobName, [.. BlockRun.Blocks([new BlockRun(request.Attempt, uploaded.Blocks)])],
            new FileWrite(request.Attempt, ContentType, request.DownloadName), cancellationToken);
        return new ReportFile(request.BlobName, request.DownloadName, ContentType, uploaded.Bytes, uploaded.Sha256, totals.Rows);
    }

    /// <summary>The parameters that choose the rows, as a line for a title block or document properties.</summary>
    internal static string DescribeParameters(ReportDefinition report, ReportArguments arguments)
    {
        var parts = report.Parameters
            .Where(p => p.Formats is null && arguments.Values.TryGetValue(p.Name, out var v) && v is not null)
            .Select(p => $"{p.Name} {Describe(arguments.Values[p.Name])}")
            .ToList();
        return parts.Count == 0 ? "none" : string.Join(" · ", parts);
    }

    private static string Describe(object? value) => value switch
    {
        DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        string[] list => string.Join(", ", list),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "",
    };

    private static SKDocumentPdfMetadata Metadata(ReportDefinition report, string? subject, DateTimeOffset generatedAt) => new()
    {
        Title = report.Title,
        Subject = subject ?? report.Description,
        Creator = "Reports",
        Producer = "Reports (SkiaSharp PDF)",
        Creation = generatedAt.UtcDateTime,
        Modified = generatedAt.UtcDateTime,
    };

}

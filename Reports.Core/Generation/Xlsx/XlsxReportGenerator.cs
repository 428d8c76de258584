using Reports.Core.Sources;
using Microsoft.Extensions.Options;
using Reports.Core.Jobs;
using Reports.Core.Generation.Pdf;

namespace Reports.Core.Generation.Xlsx;

/// <summary>
/// Produces an XLSX report: counts and totals the rows first (a report over its limits fails before writing), then reads
/// keyset pages into a workbook written forward-only into a temporary file (<see cref="XlsxWorkbookWriter"/>), uploaded in
/// blocks while it grows, like a PDF. A zip cannot be resumed halfway with the same bytes (a deflate stream's state is
/// not saved), so every attempt starts from row 1; every time inside the file is the job's creation time, so every
/// attempt writes the same bytes.
/// </summary>
public sealed class XlsxReportGenerator(
    SourceConnections sources, IReportFiles files, BlockBuffers buffers, IOptions<GenerationOptions> options, IOptions<XlsxOptions> xlsx)
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public async Task<ReportFile> GenerateAsync(GenerationRequest request, IJobProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(progress);
        var report = request.Report;
        var bound = report.Bind(request.Arguments);
        var dialect = sources.Dialect(report);
        await using var connection = await sources.OpenAsync(report, cancellationToken);

        var totals = await sources.UnderSlotAsync(report, () => PdfQueries.TotalsAsync(connection, dialect, report, bound, cancellationToken), cancellationToken);
        await progress.ReportTotalAsync(totals.Rows, cancellationToken);
        GenerationLimits.CheckRows(report, totals.Rows);
        var subject = await sources.UnderSlotAsync(report, () => PdfQueries.SubjectAsync(connection, dialect, report, bound, cancellationToken), cancellationToken);
        var document = new XlsxDocument(
            report.Title, subject ?? report.Description, "Parameters: " + PdfReportGenerator.DescribeParameters(report, request.Arguments), request.CreatedAt);

        await using var file = TemporaryFiles.Create("report", "xlsx");
        await using var upload = new GrowingFileUpload(
            files, buffers, request.BlobName, request.Attempt, file.SafeFileHandle, options.Value.BlockSizeBytes, 0, cancellationToken);
        var output = new ForwardOnlyStream(file);
        long rows;
        using (var workbook = new XlsxWorkbookWriter(output, report.Columns, document, xlsx.Value.MaxRowsPerSheet))
        {
            var scratch = new byte[1024];
            rows = await WholeReportPages.ReadAsync(connection, dialect, request, options.Value.PageSize, totals.Rows, sequential: true,
                new KeysetCursor(report), exactly: false, progress.ReportRowsAsync,
                (row, cursor) => RowCopier.Copy(workbook, report.Columns, row, cursor, ref scratch),
                () =>
                {
                    file.Flush();
                    upload.Advance(output.Written);
                },
                token => sources.QuerySlotAsync(report, leaveOneFree: false, token),
                cancellationToken);
            workbook.WriteTotals(totals.Values);
            workbook.Finish();
        }

        await file.FlushAsync(cancellationToken);
        var uploaded = await upload.CompleteAsync(output.Written);
        await files.CommitAsync(request.BlobName, [.. BlockRun.Blocks([new BlockRun(request.Attempt, uploaded.Blocks)])],
            new FileWrite(request.Attempt, ContentType, request.DownloadName), cancellationToken);
        return new ReportFile(request.BlobName, request.DownloadName, ContentType, uploaded.Bytes, uploaded.Sha256, rows);
    }
}

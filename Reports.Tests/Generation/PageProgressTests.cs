using Reports.Tests.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Reports.Core.Generation;
using Reports.Core.Generation.Pdf;
using Reports.Tests.Integration;

namespace Reports.Tests.Generation;

/// <summary><c>rowsWritten</c> moves after every keyset page, not only when a block is staged.</summary>
[Collection(IntegrationGroup.Name)]
public sealed class PageProgressTests(Infrastructure infrastructure)
{
    private const int PageSize = 500;

    [Fact]
    public async Task A_csv_reports_its_rows_after_every_full_page_while_staging_far_fewer_blocks()
    {
        var system = await infrastructure.SystemAsync();
        var services = system.WorkerServices;
        // Pages of 500 rows and blocks of 4 MiB: a year of orders fills many pages but few blocks.
        var generator = new RowReportGenerator(
            services.GetRequiredService<Reports.Core.Sources.SourceConnections>(),
            services.GetRequiredService<IReportFiles>(),
            new BlockBuffers(4 * 1024 * 1024),
            Options.Create(new GenerationOptions { PageSize = PageSize, BlockSizeBytes = 4 * 1024 * 1024 }));
        var progress = new RecordingProgress();

        var file = await generator.GenerateAsync(GenerationRequests.For(BuiltInReports.Orders, "csv"), progress, CancellationToken.None);

        // Every full page is followed by another (perhaps empty) one; the completion records the rows after the last.
        var pages = (int)((file.Rows + PageSize - 1) / PageSize);
        Assert.True(pages > 3, $"the test needs several pages, got {pages}");
        Assert.Equal(Enumerable.Range(1, (int)(file.Rows / PageSize)).Select(p => (long)p * PageSize), progress.Rows);
        Assert.Equal(progress.Total, file.Rows);
        Assert.True(progress.Checkpoints.Count < pages / 2, $"{progress.Checkpoints.Count} checkpoints for {pages} pages");
    }

    [Fact]
    public async Task A_pdf_reports_its_rows_after_every_full_page_and_keeps_no_checkpoint()
    {
        var system = await infrastructure.SystemAsync();
        var progress = new RecordingProgress();
        var generator = system.WorkerServices.GetRequiredService<PdfReportGenerator>();
        var pageSize = system.WorkerServices.GetRequiredService<IOptions<GenerationOptions>>().Value.PageSize;

        var file = await generator.GenerateAsync(GenerationRequests.For(BuiltInReports.Orders, "pdf"), progress, CancellationToken.None);

        Assert.Equal(Enumerable.Range(1, (int)(file.Rows / pageSize)).Select(p => (long)p * pageSize), progress.Rows);
        Assert.Empty(progress.Checkpoints);
    }
}

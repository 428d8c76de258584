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
    public async Task Pages_of_a_csv_hold_about_two_blocks_of_bytes_whatever_the_page_size_allows()
    {
        var system = await infrastructure.SystemAsync();
        var services = system.WorkerServices;
        // Blocks of 64 KiB and pages of up to 100,000 rows: after a first page of 10,000 rows (~700 KB), pages of ~70-byte
        // orders come down to what two blocks hold.
        RowReportGenerator Generator(int pageSize) => new(
            services.GetRequiredService<Reports.Core.Sources.SourceConnections>(),
            services.GetRequiredService<IReportFiles>(),
            new BlockBuffers(64 * 1024),
            Options.Create(new GenerationOptions { PageSize = pageSize, BlockSizeBytes = 64 * 1024 }));
        var request = GenerationRequests.For(BuiltInReports.Orders, "csv") with { Report = BuiltInReports.Orders };
        var parameters = System.Text.Json.JsonDocument.Parse("""{"from":"2021-01-01","to":"2025-12-31"}""").RootElement;
        request = request with { Arguments = Reports.Core.Catalog.ParameterValidator.Validate(BuiltInReports.Orders, parameters, "csv").Arguments! };
        var progress = new RecordingProgress();

        var file = await Generator(100_000).GenerateAsync(request, progress, CancellationToken.None);

        var pages = progress.Rows.Prepend(0L).Zip(progress.Rows, (before, after) => after - before).ToList();
        Assert.Equal(10_000, pages[0]);
        Assert.True(pages.Count > 3, $"{pages.Count} full pages");
        Assert.All(pages.Skip(1), rows => Assert.InRange(rows, 1_000, 3_000));
        // The pages cut the rows differently, never the file.
        var id = Guid.NewGuid();
        var again = await Generator(500).GenerateAsync(request with { JobId = id, BlobName = $"{id:N}.csv" }, new RecordingProgress(), CancellationToken.None);
        Assert.Equal(file.Sha256, again.Sha256);
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

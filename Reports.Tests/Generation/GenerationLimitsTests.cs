using Reports.Tests.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Reports.Core.Catalog;
using Reports.Core.Generation;
using Reports.Core.Generation.Pdf;
using Reports.Core.Jobs;
using Reports.Tests.Integration;

namespace Reports.Tests.Generation;

[Collection(IntegrationGroup.Name)]
public sealed class GenerationLimitsTests(Infrastructure infrastructure)
{
    [Fact]
    public async Task A_pdf_over_its_page_limit_fails_permanently_before_drawing_a_page()
    {
        var system = await infrastructure.SystemAsync();
        var report = BuiltInReports.Orders with { Limits = new ReportLimits { MaxPdfPages = 3 } };
        var progress = new RecordingProgress();

        var error = await Assert.ThrowsAsync<ReportDefinitionException>(() =>
            system.WorkerServices.GetRequiredService<PdfReportGenerator>().GenerateAsync(GenerationRequests.For(report, "pdf"), progress, CancellationToken.None));

        Assert.Matches(@"would have [\d,]+ pages \([\d,]+ rows\); the limit is 3\.", error.Message);
        Assert.Equal(JobError.LimitExceeded, error.Code);
        Assert.Empty(progress.Checkpoints);
        Assert.Empty(progress.Rows);
    }

    [Fact]
    public async Task A_csv_over_its_row_limit_fails_permanently_before_staging_a_block()
    {
        var system = await infrastructure.SystemAsync();
        var report = BuiltInReports.Orders with { Limits = new ReportLimits { MaxRows = 10 } };
        var progress = new RecordingProgress();

        var error = await Assert.ThrowsAsync<ReportDefinitionException>(() =>
            system.WorkerServices.GetRequiredService<RowReportGenerator>().GenerateAsync(GenerationRequests.For(report, "csv"), progress, CancellationToken.None));

        Assert.Matches(@"would have [\d,]+ rows; the limit is 10\.", error.Message);
        Assert.Equal(JobError.LimitExceeded, error.Code);
        Assert.True(progress.Total > 10);
        Assert.Empty(progress.Checkpoints);
    }
}

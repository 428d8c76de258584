using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Reports.Core.Catalog;
using Reports.Core.Catalog.Definitions;
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
        var report = OrdersReport.Definition with { Limits = new ReportLimits { MaxPdfPages = 3 } };
        var progress = new RecordingProgress();

        var error = await Assert.ThrowsAsync<ReportDefinitionException>(() =>
            system.WorkerServices.GetRequiredService<PdfReportGenerator>().GenerateAsync(Request(report, "pdf"), progress, CancellationToken.None));

        Assert.Matches(@"would have [\d,]+ pages \([\d,]+ rows\); the limit is 3\.", error.Message);
        Assert.Equal(JobError.LimitExceeded, error.Code);
        Assert.Empty(progress.Checkpoints);
    }

    [Fact]
    public async Task A_csv_over_its_row_limit_fails_permanently_before_staging_a_block()
    {
        var system = await infrastructure.SystemAsync();
        var report = OrdersReport.Definition with { Limits = new ReportLimits { MaxRows = 10 } };
        var progress = new RecordingProgress();

        var error = await Assert.ThrowsAsync<ReportDefinitionException>(() =>
            system.WorkerServices.GetRequiredService<CsvReportGenerator>().GenerateAsync(Request(report, "csv"), progress, CancellationToken.None));

        Assert.Matches(@"would have [\d,]+ rows; the limit is 10\.", error.Message);
        Assert.Equal(JobError.LimitExceeded, error.Code);
        Assert.True(progress.Total > 10);
        Assert.Empty(progress.Checkpoints);
    }

    private static GenerationRequest Request(ReportDefinition report, string format)
    {
        var parameters = JsonDocument.Parse("""{"from":"2024-01-01","to":"2024-12-31"}""").RootElement;
        var arguments = ParameterValidator.Validate(report, parameters, format).Arguments!;
        var id = Guid.NewGuid();
        return new GenerationRequest(id, report, arguments, $"{id:N}.{format}", $"limits.{format}", GenerationCheckpoint.Start);
    }

    private sealed class RecordingProgress : IJobProgress
    {
        public long Total { get; private set; }

        public List<GenerationCheckpoint> Checkpoints { get; } = [];

        public Task ReportTotalAsync(long rowsTotal, CancellationToken cancellationToken)
        {
            Total = rowsTotal;
            return Task.CompletedTask;
        }

        public Task CheckpointAsync(GenerationCheckpoint checkpoint, CancellationToken cancellationToken)
        {
            Checkpoints.Add(checkpoint);
            return Task.CompletedTask;
        }
    }
}

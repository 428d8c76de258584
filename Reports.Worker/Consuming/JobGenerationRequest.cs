using System.Text.Json;
using Reports.Core.Catalog;
using Reports.Core.Generation;
using Reports.Core.Jobs;

namespace Reports.Worker.Consuming;

/// <summary>What a generator needs to write a job's file, from the job as stored and this worker's catalog.</summary>
internal static class JobGenerationRequest
{
    /// <exception cref="ReportDefinitionException">The report type is unknown here, its definition changed since the job was accepted, or the stored parameters no longer hold.</exception>
    public static (ReportDefinition Report, GenerationRequest Request) For(ReportCatalog catalog, ReportJob job, int attempt)
    {
        var report = catalog.Find(job.ReportType) ?? throw new ReportDefinitionException($"Unknown report type '{job.ReportType}'.");
        if (job.DefinitionVersion is { } accepted && accepted != report.Version)
        {
            // Running the new definition would hand the caller columns or rows they did not ask for, under the same job.
            // During a rolling deploy a worker on the other catalog may run it: see JobRunner.WaitsForItsDefinition.
            throw new ReportDefinitionException(
                $"The definition of '{job.ReportType}' changed after this job was accepted (version {accepted}, here {report.Version}): " +
                "resubmit the report to run the current definition.", JobError.DefinitionChanged);
        }

        var validation = ParameterValidator.Validate(report, job.Parameters, job.Format);
        var arguments = validation.Arguments ?? throw new ReportDefinitionException(
            "Stored parameters are no longer valid: " + string.Join("; ", validation.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        var checkpoint = job.Checkpoint is { } saved
            ? JsonSerializer.Deserialize<GenerationCheckpoint>(saved) ?? GenerationCheckpoint.Start
            : GenerationCheckpoint.Start;
        return (report, new GenerationRequest(job.Id, report, arguments, BlobNames.For(job), BlobNames.DownloadName(job), checkpoint, attempt)
        {
            Format = job.Format,
            CreatedAt = job.CreatedAt,
        });
    }
}

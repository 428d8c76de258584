using Reports.Core.Catalog;

namespace Reports.Core.Generation;

/// <summary>
/// Everything a generator needs for one attempt of one job. <see cref="Attempt"/> is the job's fencing token: the blocks
/// the attempt stages and the file it commits carry it, so storage refuses what a stale attempt writes late.
/// <see cref="CreatedAt"/>, the job's creation time, is the one time a file may carry (an XLSX's entry and document
/// times), so every attempt of a job writes the same bytes.
/// </summary>
public sealed record GenerationRequest(
    Guid JobId,
    ReportDefinition Report,
    ReportArguments Arguments,
    string BlobName,
    string DownloadName,
    GenerationCheckpoint Checkpoint,
    int Attempt)
{
    public string Format { get; init; } = ReportFormats.Csv;

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UnixEpoch;
}

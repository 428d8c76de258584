using Reports.Core.Catalog;

namespace Reports.Core.Generation;

/// <summary>
/// Everything a generator needs for one attempt of one job. <see cref="Attempt"/> is the job's fencing token: the blocks
/// the attempt stages and the file it commits carry it, so storage refuses what a stale attempt writes late.
/// </summary>
public sealed record GenerationRequest(
    Guid JobId,
    ReportDefinition Report,
    ReportArguments Arguments,
    string BlobName,
    string DownloadName,
    GenerationCheckpoint Checkpoint,
    int Attempt);

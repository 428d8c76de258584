using Reports.Core.Catalog;

namespace Reports.Core.Generation;

/// <summary>Everything a generator needs for one attempt of one job.</summary>
public sealed record GenerationRequest(
    Guid JobId,
    ReportDefinition Report,
    ReportArguments Arguments,
    string BlobName,
    string DownloadName,
    GenerationCheckpoint Checkpoint);

using Microsoft.Extensions.Options;
using Reports.Core.Generation;
using Reports.Core.Jobs;

namespace Reports.Api.Features.Reports;

/// <summary>Turns stored jobs into status resources, signing a fresh download link for finished ones.</summary>
public sealed class ReportResources(IReportFiles files, IOptions<DownloadOptions> options, TimeProvider time)
{
    public ReportResource From(ReportJob job)
    {
        var percent = job.Status == JobStatus.Succeeded ? 100
            : job.RowsTotal is > 0 and var total ? (int)Math.Min(99, job.RowsWritten * 100 / total)
            : (int?)null;
        return new ReportResource
        {
            Id = job.Id,
            Type = job.ReportType,
            Format = job.Format,
            Parameters = job.Parameters,
            Status = job.Status,
            Progress = new ReportProgress(job.RowsWritten, job.RowsTotal, percent),
            Attempts = job.Attempt,
            Error = job.Error is { } message ? new ReportError(job.ErrorCode ?? JobError.AttemptFailed, message) : null,
            CreatedAt = job.CreatedAt,
            StartedAt = job.StartedAt,
            FinishedAt = job.FinishedAt,
            File = job.Status == JobStatus.Succeeded && job.BlobName is { } blob
                ? new ReportFileResource(job.SizeBytes ?? 0, job.Sha256 ?? "", job.ContentType ?? "", job.FileName ?? blob, Download(blob, job.FileName ?? blob))
                : null,
        };
    }

    public DownloadLink Download(string blobName, string fileName)
    {
        var expiresAt = time.GetUtcNow() + options.Value.LinkLifetime;
        return new DownloadLink(files.GetDownloadUri(blobName, fileName, expiresAt), expiresAt);
    }
}

/// <summary>Download links (<c>Reports:Download</c>).</summary>
public sealed class DownloadOptions
{
    public const string SectionName = "Reports:Download";

    /// <summary>How long a signed download URL stays valid.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromMinutes(15);
}

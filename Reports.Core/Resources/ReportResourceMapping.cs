using Reports.Core.Jobs;

namespace Reports.Core.Resources;

/// <summary>Turns a stored job into its status resource; the one mapping the API, the webhooks and the event stream share.</summary>
public static class ReportResourceMapping
{
    /// <param name="job">The job as stored.</param>
    /// <param name="signDownload">Signs a download link for (blob name, file name); null leaves the link out.</param>
    public static ReportResource From(ReportJob job, Func<string, string, DownloadLink>? signDownload)
    {
        ArgumentNullException.ThrowIfNull(job);
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
                ? new ReportFileResource(job.SizeBytes ?? 0, job.Sha256 ?? "", job.ContentType ?? "", job.FileName ?? blob,
                    signDownload?.Invoke(blob, job.FileName ?? blob))
                : null,
            Schedule = job.ScheduleId is { } schedule && job.FireTime is { } fireTime ? new ReportScheduleLink(schedule, fireTime) : null,
            ExpiresAt = job.ExpiresAt,
            Waiting = job.Status == JobStatus.Waiting && job.WaitReason is { } reason && job.WaitingUntil is { } until
                ? new ReportWaiting(reason, until) : null,
            ReplayOf = job.ReplayOf,
        };
    }
}

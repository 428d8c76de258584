using System.Globalization;

namespace Reports.Core.Jobs;

/// <summary>Where a job's file is stored, and the name it downloads under.</summary>
public static class BlobNames
{
    /// <summary>One blob per job, whatever the attempt: a retry overwrites blocks, never leaves a second file.</summary>
    public static string For(ReportJob job) => $"{job.Id:N}.{job.Format}";

    public static string DownloadName(ReportJob job) =>
        string.Create(CultureInfo.InvariantCulture, $"{job.ReportType}-{job.CreatedAt.UtcDateTime:yyyyMMdd-HHmmss}-{job.Id.ToString("N")[^8..]}.{job.Format}");
}

using System.Globalization;
using Reports.Core.Jobs;

namespace Reports.Core.Notifications;

/// <summary>The subject and text of a report's email: name, status, size and a link to its page (never a raw file URL).</summary>
public static class ReportEmail
{
    public static (string Subject, string Body) Compose(ReportJob job, Uri publicBaseUrl)
    {
        var name = job.FileName ?? $"{job.ReportType} ({job.Format})";
        var link = new Uri(publicBaseUrl, $"/?report={job.Id}");
        var subject = job.Status switch
        {
            JobStatus.Succeeded => $"Your report is ready: {name}",
            JobStatus.Failed => $"Your report failed: {job.ReportType}",
            _ => $"Your report was {job.Status}: {job.ReportType}",
        };
        var lines = new List<string>
        {
            $"Report: {job.ReportType} ({job.Format})",
            $"Status: {job.Status}",
        };
        if (job.Status == JobStatus.Succeeded)
        {
            lines.Add($"File: {name}");
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"Size: {job.SizeBytes ?? 0:#,##0} bytes, {job.RowsWritten:#,##0} rows"));
        }

        if (job.Error is { } error)
        {
            lines.Add($"Error: {error}");
        }

        lines.Add($"Open it here: {link}");
        lines.Add("(The download link on that page is made fresh each time you open it.)");
        return (subject, string.Join("\r\n", lines) + "\r\n");
    }
}

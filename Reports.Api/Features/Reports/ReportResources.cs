using Microsoft.Extensions.Options;
using Reports.Core.Generation;
using Reports.Core.Jobs;
using Reports.Core.Resources;

namespace Reports.Api.Features.Reports;

/// <summary>Turns stored jobs into status resources, signing a fresh download link for finished ones.</summary>
public sealed class ReportResources(IReportFiles files, IOptions<DownloadOptions> options, TimeProvider time)
{
    public ReportResource From(ReportJob job) => ReportResourceMapping.From(job, Download);

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

using System.ComponentModel.DataAnnotations;

namespace Reports.Core.Jobs;

/// <summary>
/// The active-job quota. It keeps its <c>Reports:Api</c> name from when only the API counted it; every process that
/// creates jobs reads it (the API for requests, the API and workers for the schedules they fire), so set it on all.
/// </summary>
public sealed class JobQuotaOptions
{
    public const string SectionName = "Reports:Api";

    /// <summary>Unfinished reports one owner may have at once; a request over it gets 429, a fire time over it is skipped.</summary>
    [Range(1, 1_000_000)]
    public int MaxActiveJobsPerOwner { get; set; } = 100;
}

using System.ComponentModel.DataAnnotations;

namespace Reports.Api.Features.Ops;

/// <summary>
/// The workers' lease as the operations view reads it: the workers' own setting (<c>Reports:Worker:Lease</c>, which every
/// deployment gives the API too), so a partition shows stalled when the job's worker would take it over.
/// </summary>
public sealed class WorkerLeaseView
{
    public const string SectionName = "Reports:Worker";

    /// <summary>The same default and bounds as the workers'.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);
}

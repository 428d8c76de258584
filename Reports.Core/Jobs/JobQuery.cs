namespace Reports.Core.Jobs;

/// <summary>A page of a newest-first job list: filters, page size, and the (created, id) of the last item seen.</summary>
public sealed record JobQuery
{
    /// <summary>Only this owner's jobs; null for all (admins).</summary>
    public string? Owner { get; init; }
    public string? Status { get; init; }
    public string? ReportType { get; init; }
    public DateTimeOffset? CreatedAfter { get; init; }
    public Guid? ScheduleId { get; init; }
    public (DateTimeOffset CreatedAt, Guid Id)? Before { get; init; }
    public int Limit { get; init; } = 50;
}

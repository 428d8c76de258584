namespace Reports.Core.Jobs;

public static class JobIds
{
    /// <summary>UUID v7: time-ordered, so new jobs append to the primary key index and sort by creation.</summary>
    public static Guid New() => Guid.CreateVersion7();
}

using System.Diagnostics;
using Reports.Core.Jobs;

namespace Reports.Core.Telemetry;

/// <summary>What a worker records about one attempt: its span's attributes, the queue wait, and how it ended.</summary>
public static class JobTelemetry
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Retried = "retried";
    public const string Cancelled = "cancelled";
    public const string Released = "released";
    public const string Lost = "lost";

    /// <summary>Tags the job span with what the claim revealed; the first attempt records how long the job waited.</summary>
    public static void Claimed(Activity? activity, ClaimedJob claim, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(claim);
        activity?.SetTag(ReportsActivities.ReportTypeTag, claim.Job.ReportType);
        activity?.SetTag(ReportsActivities.FormatTag, claim.Job.Format);
        activity?.SetTag(ReportsActivities.AttemptTag, claim.Attempt);
        if (claim.Attempt == 1)
        {
            ReportsMetrics.QueueWait.Record(Math.Max(0, (now - claim.Job.CreatedAt).TotalSeconds), ReportsMetrics.JobTags(claim.Job.ReportType, claim.Job.Queue));
        }
    }

    /// <summary>Counts the outcome (by type and queue), records the attempt's duration and tags the span.</summary>
    public static void Finished(Activity? activity, ClaimedJob claim, string outcome, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var tags = ReportsMetrics.JobTags(claim.Job.ReportType, claim.Job.Queue);
        var counter = outcome switch
        {
            Succeeded => ReportsMetrics.JobsSucceeded,
            Failed => ReportsMetrics.JobsFailed,
            Retried => ReportsMetrics.JobsRetried,
            Cancelled => ReportsMetrics.JobsCancelled,
            _ => null,
        };
        counter?.Add(1, tags);
        tags.Add(ReportsActivities.OutcomeTag, outcome);
        ReportsMetrics.JobDuration.Record(duration.TotalSeconds, tags);
        activity?.SetTag(ReportsActivities.OutcomeTag, outcome);
        if (outcome is Failed or Retried)
        {
            activity?.SetStatus(ActivityStatusCode.Error, outcome);
        }
    }
}

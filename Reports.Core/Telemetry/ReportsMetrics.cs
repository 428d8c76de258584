using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Reports.Core.Telemetry;

/// <summary>
/// The instruments of the <c>Reports</c> meter. Job counters carry the report type and queue; the queue gauges are
/// registered per worker by <see cref="QueueDepthGauges"/>.
/// </summary>
public static class ReportsMetrics
{
    public static readonly Meter Meter = new(TelemetryNames.MeterName);

    public static readonly Counter<long> JobsCreated = Meter.CreateCounter<long>("reports.jobs.created", "{job}", "Report jobs accepted by the API.");
    public static readonly Counter<long> JobsSucceeded = Meter.CreateCounter<long>("reports.jobs.succeeded", "{job}", "Jobs whose file was committed.");
    public static readonly Counter<long> JobsFailed = Meter.CreateCounter<long>("reports.jobs.failed", "{job}", "Jobs failed for good.");
    public static readonly Counter<long> JobsRetried = Meter.CreateCounter<long>("reports.jobs.retried", "{job}", "Failed attempts with a retry scheduled.");
    public static readonly Counter<long> JobsCancelled = Meter.CreateCounter<long>("reports.jobs.cancelled", "{job}", "Running jobs stopped by a cancel.");
    public static readonly Counter<long> JobsDeferred = Meter.CreateCounter<long>("reports.jobs.deferred", "{job}", "Jobs put to wait for their processing window.");
    public static readonly Counter<long> SchedulesFiredLate = Meter.CreateCounter<long>("reports.schedules.fired_late", "{schedule}",
        "Schedules fired (or skipped) more than a minute after their fire time: the scheduler was down or stuck.");
    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>("reports.job.duration", "s", "One attempt, from claim to outcome.");
    public static readonly Histogram<double> SourceSlotWait = Meter.CreateHistogram<double>("reports.source.slot_wait", "s",
        "How long a report query waited for a slot under its source's cap (tag: source).");
    public static readonly UpDownCounter<long> SourceQueriesRunning = Meter.CreateUpDownCounter<long>("reports.source.queries_running", "{query}",
        "Report queries this process runs on a source now, each holding one of the source's slots (tag: source); summed over the workers, at most the source's cap.");
    public static readonly UpDownCounter<long> SourceQueriesWaiting = Meter.CreateUpDownCounter<long>("reports.source.queries_waiting", "{query}",
        "Report queries of this process waiting for a slot under their source's cap (tag: source): above zero for long, the cap is what holds reports back.");
    public static readonly Counter<long> SourceSlotsBypassed = Meter.CreateCounter<long>("reports.source.slots_bypassed", "{query}",
        "Report queries run without a slot because Redis could not be asked (tag: source).");
    public static readonly Histogram<double> QueueWait = Meter.CreateHistogram<double>("reports.job.queue_wait", "s", "From creation to the first claim.");
    public static readonly Counter<long> RowsWritten = Meter.CreateCounter<long>("reports.rows.written", "{row}", "Rows read and formatted into files.");
    public static readonly Counter<long> BytesWritten = Meter.CreateCounter<long>("reports.bytes.written", "By", "Bytes staged in blob storage.");
    public static readonly Counter<long> LeaseTakeovers = Meter.CreateCounter<long>("reports.lease.takeovers", "{message}", "Messages taken over from another consumer (XAUTOCLAIM).");
    public static readonly Counter<long> WebhookDeliveries = Meter.CreateCounter<long>("reports.webhooks.deliveries", "{delivery}", "Webhook delivery attempts, by outcome.");
    public static readonly Counter<long> ReplayItems = Meter.CreateCounter<long>("reports.replay.items", "{item}",
        "Members of bulk replays worked through, by kind (jobs, webhooks) and outcome (replayed, skipped, failed).");
    public static readonly Counter<long> ReplayHeld = Meter.CreateCounter<long>("reports.replay.held", "{wait}",
        "Times a bulk replay waited because its queues held Reports:Replay:MaxQueued jobs (backpressure).");

    /// <summary>Counts one step of a bulk replay.</summary>
    public static void ReplayStepped(string kind, int replayed, int skipped, int failed)
    {
        foreach (var (outcome, count) in new[] { ("replayed", replayed), ("skipped", skipped), ("failed", failed) })
        {
            if (count > 0)
            {
                ReplayItems.Add(count, new TagList { { "replay.kind", kind }, { "replay.outcome", outcome } });
            }
        }
    }

    public static TagList JobTags(string reportType, string queue) => new()
    {
        { ReportsActivities.ReportTypeTag, reportType },
        { ReportsActivities.QueueTag, queue },
    };
}
